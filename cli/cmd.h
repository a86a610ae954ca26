/* cmd.h: the subcommands of platformctl, one file each (cli/cmd_<name>.c).
 *
 * Each gets argv with argv[0] = the subcommand name and returns the process
 * exit status: 0 all well, 1 the operation failed, 2 bad usage.
 */
#ifndef PLATFORM_CLI_CMD_H
#define PLATFORM_CLI_CMD_H

int cmd_migrate(int argc, char **argv);
int cmd_housekeep(int argc, char **argv);
int cmd_gitops(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_signin(int argc, char **argv);

#endif
