/* libsodium wrappers and the key file, see crypto.h. */
#include "util/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void hex_encode(const unsigned char *in, size_t len, char *out)
{
	sodium_bin2hex(out, len * 2 + 1, in, len);
}

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *in, unsigned char *out, size_t len)
{
	size_t got = 0;
	if (strlen(in) != len * 2)
		return -1;
	if (sodium_hex2bin(out, len, in, len * 2, NULL, &got, NULL) != 0 || got != len)
		return -1;
	return 0;
}

void random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	if (nbytes > sizeof b)
		nbytes = sizeof b;
	randombytes_buf(b, nbytes);
	hex_encode(b, nbytes, out);
}

void hash_blake2b(unsigned char out[HASH_LEN], const void *a, size_t alen, const void *b,
                  size_t blen)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, HASH_LEN);
	if (alen)
		crypto_generichash_update(&st, a, alen);
	if (blen)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, HASH_LEN);
}

void blind_index(const struct keys *k, const char *s, unsigned char out[HASH_LEN])
{
	crypto_generichash(out, HASH_LEN, (const unsigned char *)s, strlen(s), k->blind,
	                   sizeof k->blind);
}

int seal(const struct keys *k, const void *plain, size_t len, unsigned char **out, size_t *outlen)
{
	size_t n = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
	unsigned char *p = malloc(n);
	if (!p)
		return -1;
	randombytes_buf(p, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(p + crypto_secretbox_NONCEBYTES, plain, len, p, k->seal);
	*out = p;
	*outlen = n;
	return 0;
}

int unseal(const struct keys *k, const unsigned char *in, size_t len, char **out, size_t *outlen)
{
	if (len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return -1;
	size_t n = len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	char *p = malloc(n + 1);
	if (!p)
		return -1;
	if (crypto_secretbox_open_easy((unsigned char *)p, in + crypto_secretbox_NONCEBYTES,
	                               len - crypto_secretbox_NONCEBYTES, in, k->seal) != 0) {
		free(p);
		return -1;
	}
	p[n] = '\0';
	*out = p;
	if (outlen)
		*outlen = n;
	return 0;
}

static void keys_derive_id(struct keys *k)
{
	unsigned char h[HASH_LEN];
	hash_blake2b(h, k->sign_pk, sizeof k->sign_pk, NULL, 0);
	hex_encode(h, 8, k->key_id);
}

static int keys_create(struct keys *k, const char *path, char *err, size_t errcap)
{
	randombytes_buf(k->seal, sizeof k->seal);
	randombytes_buf(k->blind, sizeof k->blind);
	crypto_sign_keypair(k->sign_pk, k->sign_sk);
	char hs[HEX_LEN(sizeof k->seal)], hb[HEX_LEN(sizeof k->blind)],
	    hk[HEX_LEN(sizeof k->sign_sk)];
	hex_encode(k->seal, sizeof k->seal, hs);
	hex_encode(k->blind, sizeof k->blind, hb);
	hex_encode(k->sign_sk, sizeof k->sign_sk, hk);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		snprintf(err, errcap, "无法创建密钥文件 %s: %s", path, strerror(errno));
		return -1;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		snprintf(err, errcap, "无法写入密钥文件 %s", path);
		return -1;
	}
	fprintf(f, "# civicloop instance keys: keep secret, back up with the database\n");
	fprintf(f, "seal %s\nblind %s\nsign %s\n", hs, hb, hk);
	int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
	bad |= fclose(f) != 0;
	sodium_memzero(hs, sizeof hs);
	sodium_memzero(hk, sizeof hk);
	if (bad) {
		snprintf(err, errcap, "写入密钥文件 %s 失败", path);
		return -1;
	}
	keys_derive_id(k);
	return 0;
}

int keys_load(struct keys *k, const char *path, int create, char *err, size_t errcap)
{
	memset(k, 0, sizeof *k);
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT && create)
			return keys_create(k, path, err, errcap);
		snprintf(err, errcap, "无法读取密钥文件 %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
		fprintf(stderr,
		        "civicloop: 警告：密钥文件 %s 的权限为 %03o，同组或其他用户可读；"
		        "请执行 chmod 600 %s\n",
		        path, (unsigned)(st.st_mode & 0777), path);
	char line[512];
	int have = 0;
	while (fgets(line, sizeof line, f)) {
		char name[16], hex[300];
		if (line[0] == '#' || sscanf(line, "%15s %299s", name, hex) != 2)
			continue;
		if (!strcmp(name, "seal") && !hex_decode(hex, k->seal, sizeof k->seal))
			have |= 1;
		else if (!strcmp(name, "blind") && !hex_decode(hex, k->blind, sizeof k->blind))
			have |= 2;
		else if (!strcmp(name, "sign") && !hex_decode(hex, k->sign_sk, sizeof k->sign_sk))
			have |= 4;
	}
	sodium_memzero(line, sizeof line);
	fclose(f);
	if (have != 7) {
		snprintf(err, errcap, "密钥文件 %s 不完整或已损坏", path);
		return -1;
	}
	crypto_sign_ed25519_sk_to_pk(k->sign_pk, k->sign_sk);
	keys_derive_id(k);
	return 0;
}

void keys_new_sign(struct keys *k)
{
	crypto_sign_keypair(k->sign_pk, k->sign_sk);
	keys_derive_id(k);
}

int keys_save(const struct keys *k, const char *path, const char *note, char *err, size_t errcap)
{
	char tmp[1100];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errcap, "无法写入密钥文件 %s: %s", tmp, strerror(errno));
		return -1;
	}
	char hs[HEX_LEN(sizeof k->seal)], hb[HEX_LEN(sizeof k->blind)],
	    hk[HEX_LEN(sizeof k->sign_sk)];
	hex_encode(k->seal, sizeof k->seal, hs);
	hex_encode(k->blind, sizeof k->blind, hb);
	hex_encode(k->sign_sk, sizeof k->sign_sk, hk);
	fprintf(f, "# civicloop instance keys: keep secret, back up with the database\n");
	if (note)
		fprintf(f, "# %s\n", note);
	fprintf(f, "seal %s\nblind %s\nsign %s\n", hs, hb, hk);
	int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
	bad |= fclose(f) != 0;
	sodium_memzero(hs, sizeof hs);
	sodium_memzero(hb, sizeof hb);
	sodium_memzero(hk, sizeof hk);
	if (bad || rename(tmp, path) != 0) {
		unlink(tmp);
		snprintf(err, errcap, "写入密钥文件 %s 失败", path);
		return -1;
	}
	return 0;
}
