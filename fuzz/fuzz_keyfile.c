/*
 * Target keyfile: the instance key file (FILE.key: "seal HEX", "blind HEX",
 * "sign HEX" lines, '#' comments) through keys_load(), as every command that
 * opens a database reads it. A file that loads must give working keys:
 * sealing round-trips and the key id is 16 hex digits.
 *
 * Input: the key file's bytes.
 */
#include "harness.h"
#include "util/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char path[700];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (crypto_init() != 0)
		fz_fail("libsodium");
	snprintf(path, sizeof path, "%s/instance.key", fz_tmpdir());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fz_write_file(path, data, size) != 0)
		fz_fail("cannot write %s", path);
	struct keys k;
	char err[512] = "";
	if (keys_load(&k, path, 0, err, sizeof err) != 0) {
		if (!err[0])
			fz_fail("keys_load refused without a reason");
		return 0;
	}
	if (strlen(k.key_id) != 16 || strspn(k.key_id, "0123456789abcdef") != 16)
		fz_fail("key id \"%s\"", k.key_id);
	static const char plain[] = "{\"name\":\"张三\",\"phone\":\"13800000000\"}";
	unsigned char *sealed = NULL;
	size_t slen = 0;
	char *back = NULL;
	if (seal(&k, plain, strlen(plain), &sealed, &slen) != 0 ||
	    unseal(&k, sealed, slen, &back, NULL) != 0 || strcmp(back, plain))
		fz_fail("loaded keys do not round-trip");
	free(sealed);
	free(back);
	sodium_memzero(&k, sizeof k);
	return 0;
}
