/* cmd.h: the subcommands of platformctl, one file each (cli/cmd_<name>.c).
 *
 * Each gets the settings, loaded and checked once by platformctl.c before the
 * command runs (NULL for a command that reads none; borrowed, owned by
 * platformctl.c), and argv with argv[0] = the subcommand name. It returns the
 * process exit status: 0 all well, 1 the operation failed, 2 bad usage.
 */
#ifndef PLATFORM_CLI_CMD_H
#define PLATFORM_CLI_CMD_H

struct config;

int cmd_migrate(const struct config *cfg, int argc, char **argv);
int cmd_housekeep(const struct config *cfg, int argc, char **argv);
int cmd_gitops(const struct config *cfg, int argc, char **argv);
int cmd_detect(const struct config *cfg, int argc, char **argv);
int cmd_signin(const struct config *cfg, int argc, char **argv);
int cmd_config(const struct config *cfg, int argc, char **argv);

#endif
