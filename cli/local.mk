# cli/local.mk: platformctl
bin_PROGRAMS += cli/platformctl
cli_platformctl_SOURCES = cli/platformctl.c cli/cmd.h cli/cmd_migrate.c cli/cmd_housekeep.c \
	cli/cmd_config.c
cli_platformctl_LDADD = $(PLATFORM_LIBS)
