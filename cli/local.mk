# cli/local.mk: platformctl, the operator's command line
bin_PROGRAMS += cli/platformctl
cli_platformctl_SOURCES = cli/platformctl.c cli/cmd.h \
	cli/cmd_migrate.c \
	cli/cmd_housekeep.c \
	cli/cmd_config.c \
	cli/cmd_gitops.c \
	cli/cmd_detect.c \
	cli/cmd_signin.c
cli_platformctl_LDADD = $(PLATFORM_LIBS)
