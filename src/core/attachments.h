/*
 * Case attachments (DESIGN.md §2 "Attachment"): photos of a pothole, a
 * signed PDF. The bytes are a content-addressed file beside the database
 * (util/filestore.h, stored before the row's transaction commits); the
 * database keeps one row per attachment (store/stmt_attachments.h) and an
 * `attachment.add` event on the audit chain, whose payload names the file
 * (sha256, name, size, type) and never holds its bytes.
 *
 * Who: a user who can see the case (case.read over its org or a live
 * assignment's) and holds case.attach over the same (auth.c perm_table:
 * the roles that act on cases), on a case not in a final state.
 * What: JPEG, PNG, WebP or PDF, the bytes starting as that type's files do
 * (magic numbers), 1 byte to 10 MiB (the HTTP layer's HTTP_UPLOAD_MAX), at
 * most ATTACH_PER_CASE_MAX per case; a name of 1–ATTACH_NAME_MAX characters
 * without control, bidirectional-override or path characters, kept as given.
 *
 * Not here: reading the request (api/attachments.c) and writing the file
 * (util/filestore.c, on the file pool before the writer job).
 */
#ifndef CIVICLOOP_CORE_ATTACHMENTS_H
#define CIVICLOOP_CORE_ATTACHMENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/engine.h"
#include "util/filestore.h"

#define ATTACH_NAME_MAX 200 /* characters */
#define ATTACH_NAME_BYTES (ATTACH_NAME_MAX * 4)
#define ATTACH_PER_CASE_MAX 100

/* One accepted type: its media type as stored and answered, the file name
 * extension it goes by, and whether a browser shows it in the page (an
 * image: Content-Disposition inline) or saves it (a PDF: attachment). */
struct attach_kind {
	const char *mime;
	const char *ext;
	bool shown_inline;
	/* the bytes a file of the type starts with: up to two runs at offsets */
	struct {
		unsigned offset;
		const char *bytes;
		unsigned len; /* 0: no such run */
	} magic[2];
};

/* The kind a request's Content-Type names ("image/png", any case, any
 * parameters after ';'), NULL if it is not one of the four. */
const struct attach_kind *attach_kind_of(const char *content_type);
/* True if data (len bytes) starts as files of kind k do. */
bool attach_magic_ok(const struct attach_kind *k, const void *data, size_t len);
/* The file name of an attachment: 0, or -1 with *e set, a 400 on field
 * "name" (field.required when absent or empty, field.too_long past
 * ATTACH_NAME_MAX characters, field.invalid for a blank name, ".", "..", a
 * '/' or '\', a control character (C0, DEL, C1) or a bidirectional
 * control, which could make "gpj.exe" read as "exe.jpg"). name is valid
 * UTF-8 (the HTTP layer checks every query value). */
int attach_name_check(const char *name, struct err *e);

/* Whether `a` may attach files to the case at all: 0, or -1 with *e set
 * (404 when the case is not visible to a, 403 without case.attach over the
 * case's org or one of its live assignments' orgs). */
int attach_may(const struct actor *a, const struct case_full *cf, struct err *e);
/* Whether the case still takes files: 0, or -1 with *e set (409
 * case.action_not_allowed in a final state). */
int attach_case_open(const struct case_full *cf, struct err *e);
/* Whether `a` may attach files to the case at all: attach_may passes (the
 * case view's "can_attach"; a final case still refuses them, 409). */
bool attach_allowed(const struct actor *a, const struct case_full *cf);
/* Whether the case has room for one more: 0, or -1 with *e set (409
 * conflict at ATTACH_PER_CASE_MAX; 503 when it cannot be counted). */
int attach_room(struct store_conn *c, int64_t case_id, struct err *e);

/* A stored file about to be attached. */
struct attach_new {
	int64_t case_id;
	const struct attach_kind *kind;
	const char *name; /* checked by attach_name_check */
	int64_t size;
	char sha256[FILESTORE_HEX];
};
/* writer: attaches the stored file n to its case after checking again, on
 * the writer's own reading, what the handler checked (attach_may, input
 * aside, attach_case_open, attach_room), with an `attachment.add` event.
 * 0 with *out = {"attachment":ATTACHMENT} (the caller's), or -1 with *e. */
int attach_add(struct wctx *w, const struct actor *a, const struct attach_new *n, json_t **out,
               struct err *e);

/* An attachment as read, for a download. */
struct attach_rec {
	int64_t id, case_id, size;
	const struct attach_kind *kind;
	char sha256[FILESTORE_HEX];
	char name[ATTACH_NAME_BYTES + 1];
};
/* The case's attachments, oldest first, if `a` may see the case (else 404):
 * 0 with *out = {"items":[ATTACHMENT…]}, or -1 with *e set. ATTACHMENT is
 * {"id","name","content_type","size","sha256","uploaded_by":{"login","name"},
 * "created_at"}. */
int attach_list(struct store_conn *c, const struct app *app, const struct actor *a, int64_t case_id,
                json_t **out, struct err *e);
/* Attachment id, if `a` may see its case: 0 with *out filled, or -1 with *e
 * set (404, for a missing attachment and an invisible case alike). */
int attach_get(struct store_conn *c, const struct app *app, const struct actor *a, int64_t id,
               struct attach_rec *out, struct err *e);
/* The Content-Disposition of a download: "inline" for an image, "attachment"
 * for a PDF, a plain ASCII filename (the name itself when it is plain
 * ASCII, else "attachment-ID.ext") and the name as given in RFC 5987's
 * filename*=UTF-8''… (every byte but RFC 5987's attr-chars percent-encoded),
 * into out[cap]. 0, or -1 if it does not fit (cap >= 3072 always fits). */
int attach_disposition(const struct attach_rec *r, char *out, size_t cap);

/* The check of `civicloop audit verify`: every attachment row's file is
 * re-read and hashed (each file once). bad(arg, id, case_id, sha256, why)
 * is called for every row whose file is missing (why ENOENT) or differs
 * in size or hash (EIO). */
struct attach_report {
	int64_t rows;    /* attachment rows */
	int64_t files;   /* distinct files they name */
	int64_t bad;     /* rows whose file is missing or damaged */
	int64_t orphans; /* files in the store no row names (see filestore.h) */
	int64_t temps;   /* temporary files left by cut-off writes */
};
typedef void (*attach_bad_fn)(void *arg, int64_t id, int64_t case_id, const char *sha256, int why);
/* 0 when every row's file is whole, 1 when some is not, -1 when the rows or
 * the folder could not be read. Fills *rep. */
int attach_verify(struct store_conn *c, const char *dir, attach_bad_fn bad, void *arg,
                  struct attach_report *rep);
/* The names (sha256) of the files attachment rows name, sorted, each once:
 * *names (the caller frees it) holds n × FILESTORE_HEX bytes, with the
 * size of each in *sizes (the caller frees it). 0 or -1. */
int attach_files(struct store_conn *c, char **names, int64_t **sizes, size_t *n);

#endif
