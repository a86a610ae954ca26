# lib/config/local.mk: the settings table (names, types, defaults, validators)
libplatform_la_SOURCES += lib/config/config.c lib/config/config.h
