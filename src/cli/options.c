/* Option parsing shared by every subcommand (cli.h); its own file so the
 * fuzz harness can link src/cli/demo.c with it and without main.c. */
#include "cli/cli.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

int cli_new_db(int argc, char **argv, const char *cmd, const char **db)
{
	*db = cli_opt(argc, argv, "--db");
	if (!*db) {
		fprintf(stderr, "civicloop %s: 缺少 --db FILE\n", cmd);
		return 2;
	}
	if (store_exists(*db)) {
		fprintf(stderr, "civicloop %s: %s 已存在，不会覆盖\n", cmd, *db);
		return 1;
	}
	return 0;
}
