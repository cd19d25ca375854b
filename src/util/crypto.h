/*
 * Thin names over libsodium for what civicloop does with it: random bytes,
 * BLAKE2b-256 hashes, keyed blind indexes, secretbox sealing of personal
 * data, Ed25519 signatures, and the instance key file.
 *
 * The key file lives outside the database (default: "<db>.key", mode 0600).
 * Format: one line per key, "name hex", names: seal (secretbox key),
 * blind (BLAKE2b key for blind indexes), sign (Ed25519 secret key, 64 bytes).
 * Losing it makes sealed personal data unreadable: back it up with the db.
 */
#ifndef CIVICLOOP_UTIL_CRYPTO_H
#define CIVICLOOP_UTIL_CRYPTO_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#define HASH_LEN 32
#define HEX_LEN(n) ((n)*2 + 1)

struct keys {
	unsigned char seal[crypto_secretbox_KEYBYTES];
	unsigned char blind[crypto_generichash_KEYBYTES];
	unsigned char sign_sk[crypto_sign_SECRETKEYBYTES];
	unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES];
	char key_id[17]; /* first 8 bytes of BLAKE2b(pk), hex */
};

int crypto_init(void);
/* Loads the key file, creating it (0600) with fresh keys when create != 0
 * and it does not exist. Returns 0 or -1 with a reason in err. */
int keys_load(struct keys *k, const char *path, int create, char *err, size_t errcap);

/* A fresh Ed25519 signing key in k (seal and blind kept): the key
 * rotation's (`civicloop keys rotate`). */
void keys_new_sign(struct keys *k);
/* Writes k to path atomically (a 0600 temporary file, fsync, rename), with
 * the comment line `note` (may be NULL). 0, or -1 with a reason in err. */
int keys_save(const struct keys *k, const char *path, const char *note, char *err, size_t errcap);

void hash_blake2b(unsigned char out[HASH_LEN], const void *a, size_t alen, const void *b,
                  size_t blen);
/* Keyed BLAKE2b-256 of s: the blind index of a personal value. */
void blind_index(const struct keys *k, const char *s, unsigned char out[HASH_LEN]);
/* Seals plaintext: out gets nonce || box, *outlen set; caller frees out. */
int seal(const struct keys *k, const void *plain, size_t len, unsigned char **out, size_t *outlen);
/* Opens a sealed blob; out is NUL-terminated plaintext; caller frees. */
int unseal(const struct keys *k, const unsigned char *in, size_t len, char **out, size_t *outlen);

void hex_encode(const unsigned char *in, size_t len, char *out);
int hex_decode(const char *in, unsigned char *out, size_t len);
/* The value of one hex digit (either case), or -1. */
int hex_digit(int c);
/* n random bytes, hex encoded into out (2n+1 bytes). */
void random_hex(char *out, size_t nbytes);

#endif
