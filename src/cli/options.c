/* Option parsing shared by every subcommand (cli.h); its own file so the
 * fuzz harness can link src/cli/demo.c with it and without main.c. */
#include "cli/cli.h"

#include <string.h>

const char *cli_opt(int argc, char **argv, const char *name)
{
	for (int i = 0; i < argc - 1; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

int cli_flag(int argc, char **argv, const char *name)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}
