/* Case attachments: who may attach, what is accepted, the rows and their
 * events, and the check of their files (attachments.h). */
#include "core/attachments.h"
#include "core/app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/timeutil.h"

static const struct attach_kind kinds[] = {
    {"image/jpeg", ".jpg", true, {{0, "\xff\xd8\xff", 3}, {0, NULL, 0}}},
    {"image/png", ".png", true, {{0, "\x89PNG\r\n\x1a\n", 8}, {0, NULL, 0}}},
    {"image/webp", ".webp", true, {{0, "RIFF", 4}, {8, "WEBP", 4}}},
    {"application/pdf", ".pdf", false, {{0, "%PDF-", 5}, {0, NULL, 0}}},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

const struct attach_kind *attach_kind_of(const char *content_type)
{
	if (!content_type)
		return NULL;
	const char *p = content_type;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strcspn(p, "; \t");
	const char *rest = p + n;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (*rest && *rest != ';')
		return NULL; /* "image/png junk" */
	for (size_t i = 0; i < NKINDS; i++)
		if (strlen(kinds[i].mime) == n && !strncasecmp(p, kinds[i].mime, n))
			return &kinds[i];
	return NULL;
}

/* The kind stored as `mime` (rows hold only the four), NULL otherwise. */
static const struct attach_kind *kind_stored(const char *mime)
{
	for (size_t i = 0; mime && i < NKINDS; i++)
		if (!strcmp(kinds[i].mime, mime))
			return &kinds[i];
	return NULL;
}

bool attach_magic_ok(const struct attach_kind *k, const void *data, size_t len)
{
	const unsigned char *d = data;
	for (size_t i = 0; i < sizeof k->magic / sizeof k->magic[0]; i++) {
		unsigned off = k->magic[i].offset, n = k->magic[i].len;
		if (n == 0)
			continue;
		if (len < (size_t)off + n || memcmp(d + off, k->magic[i].bytes, n) != 0)
			return false;
	}
	return true;
}

/* Length of a character at p that a file name must not hold: C0 controls,
 * DEL, C1 controls (U+0080–U+009F), and the bidirectional marks, embeddings,
 * overrides and isolates (U+061C, U+200E–U+200F, U+202A–U+202E,
 * U+2066–U+2069); 0 for any other. */
static size_t forbidden_at(const unsigned char *p)
{
	if (p[0] < 0x20 || p[0] == 0x7f)
		return 1;
	if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;
	if (p[0] == 0xd8 && p[1] == 0x9c)
		return 2;
	if (p[0] == 0xe2 && p[1] == 0x80 &&
	    ((p[2] >= 0x8e && p[2] <= 0x8f) || (p[2] >= 0xaa && p[2] <= 0xae)))
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;
	return 0;
}

int attach_name_check(const char *name, struct err *e)
{
	if (!name || !*name)
		return err_set(e, E_FIELD_REQUIRED, "name", "缺少文件名（name 参数）");
	if (!utf8_valid(name, strlen(name)))
		return err_set(e, E_FIELD_INVALID, "name", "文件名不是有效的 UTF-8 文本");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (forbidden_at(p))
			return err_set(e, E_FIELD_INVALID, "name",
			               "文件名不能包含控制字符或文字方向控制符");
		if (*p == '/' || *p == '\\')
			return err_set(e, E_FIELD_INVALID, "name", "文件名不能包含 / 或 \\");
	}
	if (text_blank(name) || !strcmp(name, ".") || !strcmp(name, ".."))
		return err_set(e, E_FIELD_INVALID, "name", "文件名不能为空白、“.”或“..”");
	if (utf8_chars(name) > ATTACH_NAME_MAX)
		return err_set(e, E_FIELD_TOO_LONG, "name",
		               "文件名最多 " TEXT_STR(ATTACH_NAME_MAX) " 个字");
	return 0;
}

int attach_may(const struct actor *a, const struct case_full *cf, struct err *e)
{
	if (!case_visible(a, cf))
		return err_set(e, E_NOT_FOUND, NULL, "工单不存在");
	if (actor_can(a, P_CASE_ATTACH, cf->c.org_path))
		return 0;
	for (int i = 0; i < cf->na; i++)
		if (cf->a[i].phase != ASG_CANCELLED &&
		    actor_can(a, P_CASE_ATTACH, cf->a[i].org_path))
			return 0;
	/* the type's "attach_roles" over the case's org: those who act on its
	 * cases without case.attach (the discipline inspectors, on the
	 * findings of their campaigns: the photos of the visit) */
	size_t i;
	json_t *role;
	json_array_foreach(json_object_get(cf->c.type->json, "attach_roles"), i, role)
	{
		if (actor_has_role_over(a, json_string_value(role), cf->c.org_path))
			return 0;
	}
	return err_set(e, E_FORBIDDEN, NULL, "您的角色不能为此工单添加附件");
}

int attach_case_open(const struct case_full *cf, struct err *e)
{
	const struct type_state *st = type_state(cf->c.type, cf->c.status);
	if (st && st->final)
		return err_set(e, E_STATE_CONFLICT, NULL, "工单已%s，不能再添加附件", st->name);
	return 0;
}

bool attach_allowed(const struct actor *a, const struct case_full *cf)
{
	return attach_may(a, cf, NULL) == 0;
}

int attach_room(struct store_conn *c, int64_t case_id, struct err *e)
{
	struct store_stmt *s = store_stmt(c, ST_ATTACHMENT_COUNT);
	sbind_int(s, 1, case_id);
	int rc = sstep(s);
	int64_t n = rc == STORE_ROW ? scol_int(s, 0) : 0;
	sreset(s);
	if (rc != STORE_ROW)
		return err_set(e, E_UNAVAILABLE, NULL, NULL);
	if (n >= ATTACH_PER_CASE_MAX)
		return err_set(e, E_CONFLICT, NULL,
		               "每件工单至多 " TEXT_STR(ATTACH_PER_CASE_MAX) " 个附件");
	return 0;
}

/* ATTACHMENT of attachments.h. */
static json_t *attach_json(int64_t id, const char *name, const char *mime, int64_t size,
                           const char *sha256, const char *login, const char *uname,
                           int64_t created_at)
{
	char at[ISO8601_MAX];
	time_format_iso(created_at, at, sizeof at);
	return json_pack("{s:I,s:s,s:s,s:I,s:s,s:{s:s,s:s},s:s}", "id", (json_int_t)id, "name",
	                 name, "content_type", mime, "size", (json_int_t)size, "sha256", sha256,
	                 "uploaded_by", "login", login ? login : "", "name", uname ? uname : "",
	                 "created_at", at);
}

/* The row and its event; the checks are the caller's. */
static int attach_insert(struct wctx *w, const struct actor *a, const struct attach_new *n,
                         json_t **out, struct err *e)
{
	struct store_stmt *s = store_stmt(w->conn, ST_ATTACHMENT_INSERT);
	sbind_int(s, 1, n->case_id);
	sbind_text(s, 2, n->sha256);
	sbind_text(s, 3, n->name);
	sbind_text(s, 4, n->kind->mime);
	sbind_int(s, 5, n->size);
	sbind_int(s, 6, a->user_id);
	sbind_int(s, 7, w->now);
	if (sdone(s) != STORE_DONE)
		return err_set(e, E_UNAVAILABLE, NULL, "附件登记失败，请稍后重试");
	int64_t id = store_last_id(w->conn);
	json_t *p = json_pack("{s:s,s:s,s:I,s:s}", "name", n->name, "sha256", n->sha256, "size",
	                      (json_int_t)n->size, "type", n->kind->mime);
	char *payload = p ? json_canonical(p) : NULL;
	json_decref(p);
	if (!payload)
		return err_oom(e);
	struct event_rec ev = {.case_id = n->case_id,
	                       .at = w->now,
	                       .actor_id = a->user_id,
	                       .org_id = a->org_id,
	                       .action = "attachment.add",
	                       .payload = payload};
	int rc = wctx_event(w, &ev);
	free(payload);
	if (rc != 0)
		return err_set(e, E_UNAVAILABLE, NULL, "附件登记失败，请稍后重试");
	json_t *att =
	    attach_json(id, n->name, n->kind->mime, n->size, n->sha256, a->login, a->name, w->now);
	*out = att ? json_pack("{s:o}", "attachment", att) : NULL;
	return *out ? 0 : err_oom(e);
}

int attach_add(struct wctx *w, const struct actor *a, const struct attach_new *n, json_t **out,
               struct err *e)
{
	struct case_full cf;
	if (case_load(w->conn, w->app, n->case_id, &cf) != 0)
		return err_set(e, E_NOT_FOUND, NULL, "工单不存在");
	int rc = attach_may(a, &cf, e);
	if (rc == 0)
		rc = attach_case_open(&cf, e);
	case_full_release(&cf);
	if (rc == 0)
		rc = attach_room(w->conn, n->case_id, e);
	if (rc == 0)
		rc = attach_insert(w, a, n, out, e);
	return rc;
}

int attach_list(struct store_conn *c, const struct app *app, const struct actor *a, int64_t case_id,
                json_t **out, struct err *e)
{
	struct case_full cf;
	if (case_id <= 0 || case_load(c, app, case_id, &cf) != 0)
		return err_set(e, E_NOT_FOUND, NULL, "工单不存在");
	bool visible = case_visible(a, &cf);
	case_full_release(&cf);
	if (!visible)
		return err_set(e, E_NOT_FOUND, NULL, "工单不存在");
	json_t *items = json_array();
	struct store_stmt *s = store_stmt(c, ST_ATTACHMENTS_OF_CASE);
	sbind_int(s, 1, case_id);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW)
		json_array_append_new(items,
		                      attach_json(scol_int(s, 0), scol_text(s, 1), scol_text(s, 2),
		                                  scol_int(s, 3), scol_text(s, 4), scol_text(s, 5),
		                                  scol_text(s, 6), scol_int(s, 7)));
	sreset(s);
	*out = rc == STORE_DONE ? json_pack("{s:o}", "items", items) : NULL;
	if (rc != STORE_DONE)
		json_decref(items);
	return *out ? 0 : err_set(e, E_UNAVAILABLE, NULL, NULL);
}

int attach_get(struct store_conn *c, const struct app *app, const struct actor *a, int64_t id,
               struct attach_rec *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	struct store_stmt *s = store_stmt(c, ST_ATTACHMENT_GET);
	sbind_int(s, 1, id);
	bool found = sstep(s) == STORE_ROW;
	if (found) {
		out->id = scol_int(s, 0);
		out->case_id = scol_int(s, 1);
		snprintf(out->name, sizeof out->name, "%s", scol_text(s, 2));
		out->kind = kind_stored(scol_text(s, 3));
		out->size = scol_int(s, 4);
		snprintf(out->sha256, sizeof out->sha256, "%s", scol_text(s, 5));
	}
	sreset(s);
	struct case_full cf;
	if (!found || !out->kind || case_load(c, app, out->case_id, &cf) != 0)
		return err_set(e, E_NOT_FOUND, NULL, "附件不存在");
	bool visible = case_visible(a, &cf);
	case_full_release(&cf);
	return visible ? 0 : err_set(e, E_NOT_FOUND, NULL, "附件不存在");
}

/* RFC 5987 attr-char: sent as is in filename*; every other byte is %XX. */
static bool attr_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       strchr("!#$&+-.^_`|~", ch);
}

int attach_disposition(const struct attach_rec *r, char *out, size_t cap)
{
	char plain[ATTACH_NAME_BYTES + 1];
	bool ascii = true;
	for (const unsigned char *p = (const unsigned char *)r->name; *p && ascii; p++)
		ascii = *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' && *p != '%';
	if (ascii)
		snprintf(plain, sizeof plain, "%s", r->name);
	else
		snprintf(plain, sizeof plain, "attachment-%lld%s", (long long)r->id, r->kind->ext);
	static const char hexd[] = "0123456789ABCDEF";
	char enc[ATTACH_NAME_BYTES * 3 + 1];
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)r->name; *p && k + 4 <= sizeof enc;
	     p++) {
		if (attr_char(*p)) {
			enc[k++] = (char)*p;
		} else {
			enc[k++] = '%';
			enc[k++] = hexd[*p >> 4];
			enc[k++] = hexd[*p & 15];
		}
	}
	enc[k] = '\0';
	int n = snprintf(out, cap, "%s; filename=\"%s\"; filename*=UTF-8''%s",
	                 r->kind->shown_inline ? "inline" : "attachment", plain, enc);
	return n >= 0 && (size_t)n < cap ? 0 : -1;
}

int attach_files(struct store_conn *c, char **names, int64_t **sizes, size_t *n)
{
	*names = NULL;
	*sizes = NULL;
	*n = 0;
	size_t cap = 0;
	struct store_stmt *s = store_stmt(c, ST_ATTACHMENTS_ALL);
	int rc;
	while ((rc = sstep(s)) == STORE_ROW) {
		const char *sha = scol_text(s, 2);
		int64_t size = scol_int(s, 3);
		if (*n && !strcmp(*names + (*n - 1) * FILESTORE_HEX, sha) &&
		    (*sizes)[*n - 1] == size)
			continue; /* rows naming one file come together */
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char *nn = realloc(*names, ncap * FILESTORE_HEX);
			if (nn)
				*names = nn;
			int64_t *ns = nn ? realloc(*sizes, ncap * sizeof **sizes) : NULL;
			if (ns)
				*sizes = ns;
			if (!nn || !ns) {
				rc = STORE_ERROR;
				break;
			}
			cap = ncap;
		}
		snprintf(*names + *n * FILESTORE_HEX, FILESTORE_HEX, "%s", sha ? sha : "");
		(*sizes)[(*n)++] = size;
	}
	sreset(s);
	if (rc != STORE_DONE) {
		free(*names);
		free(*sizes);
		*names = NULL;
		*sizes = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* The files named, and which of them failed their check, for the walk. */
struct verify_ctx {
	char *names;
	int64_t *sizes;
	int *why; /* 0: whole; ENOENT, EIO: missing, damaged */
	size_t n;
	struct attach_report *rep;
};

/* The index of the file named sha (of that size, or any size when size is
 * negative) among the sorted names, or -1. */
static long find_file(const struct verify_ctx *v, const char *sha, int64_t size)
{
	size_t lo = 0, hi = v->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(v->names + mid * FILESTORE_HEX, sha);
		if (cmp == 0 && size >= 0)
			cmp = v->sizes[mid] < size ? -1 : v->sizes[mid] > size;
		if (cmp == 0)
			return (long)mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int count_strays(void *arg, const char *name, const char *path, bool temp)
{
	(void)path;
	struct verify_ctx *v = arg;
	if (temp)
		v->rep->temps++;
	else if (!filestore_name_valid(name) || find_file(v, name, -1) < 0)
		v->rep->orphans++;
	return 0;
}

int attach_verify(struct store_conn *c, const char *dir, attach_bad_fn bad, void *arg,
                  struct attach_report *rep)
{
	memset(rep, 0, sizeof *rep);
	struct verify_ctx v = {.rep = rep};
	if (attach_files(c, &v.names, &v.sizes, &v.n) != 0)
		return -1;
	int rc = 0;
	v.why = calloc(v.n ? v.n : 1, sizeof *v.why);
	if (!v.why) {
		rc = -1;
		goto out;
	}
	rep->files = (int64_t)v.n;
	for (size_t i = 0; i < v.n; i++)
		if (filestore_check(dir, v.names + i * FILESTORE_HEX, v.sizes[i]) != 0)
			v.why[i] = errno == ENOENT ? ENOENT : EIO;
	struct store_stmt *s = store_stmt(c, ST_ATTACHMENTS_ALL);
	int step;
	while ((step = sstep(s)) == STORE_ROW) {
		rep->rows++;
		long i = find_file(&v, scol_text(s, 2), scol_int(s, 3));
		int why = i < 0 ? ENOENT : v.why[i];
		if (why) {
			rep->bad++;
			if (bad)
				bad(arg, scol_int(s, 0), scol_int(s, 1), scol_text(s, 2), why);
		}
	}
	sreset(s);
	if (step != STORE_DONE || filestore_walk(dir, count_strays, &v) != 0)
		rc = -1;
	else
		rc = rep->bad ? 1 : 0;
out:
	free(v.names);
	free(v.sizes);
	free(v.why);
	return rc;
}
