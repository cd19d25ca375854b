/*
 * Case attachments over HTTP (docs/api.md "Attachments"; the rules are
 * core/attachments.h):
 *
 *   POST /api/v1/cases/{id}/attachments?name=FILE   the file itself as the body
 *   GET  /api/v1/cases/{id}/attachments             the case's attachments
 *   GET  /api/v1/attachments/{id}                   one file
 *
 * An upload (RF_UPLOAD: its body up to 10 MiB, decided by the server before
 * any of it is kept) is checked here in the documented order — the case
 * visible (404), case.attach over it (403), the name (400), the type and
 * its magic numbers (415; an empty body 400), the case open and with room
 * (409) — then its file is stored durably on the file pool (written,
 * fsynced, renamed: util/filestore.h) and only then are its row and its
 * event written by the writer, which checks the case again. The answer,
 * 201, goes out only after that batch committed; a failure anywhere is
 * 503 and acknowledges nothing (a file stored for a failed commit is an
 * orphan: served by nobody, removed by `civicloop files prune`).
 */
#include "api/api.h"
#include "core/app.h"
#include "core/attachments.h"
#include "http/offload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An upload between the handler, the file pool and the writer. */
struct upload {
	struct attach_new n; /* n.name points into name */
	char name[ATTACH_NAME_BYTES + 1];
};

/* On the file pool: the body into the file store; the body is then let go. */
static int upload_store(struct req *r)
{
	struct upload *u = r->hctx;
	if (filestore_put(r->app->files_dir, r->body.data, r->body.len, u->n.sha256) != 0) {
		fprintf(stderr, "civicloop: 附件文件无法写入 %s: %s\n", r->app->files_dir,
		        strerror(errno));
		return err_set(&r->err, E_UNAVAILABLE, NULL,
		               "附件未能保存（存储空间不足或不可写），请稍后重试");
	}
	buf_release(&r->body); /* stored: the writer needs only its name */
	return 0;
}

static int upload_job(struct wctx *w, struct write_job *job)
{
	struct req *r = job->arg;
	struct upload *u = r->hctx;
	if (attach_add(w, &r->actor, &u->n, &r->out, &r->err) != 0)
		return -1;
	r->status = 201;
	return 0;
}

/* Whether this user already used the request's Idempotency-Key: then the
 * writer answers from the record (or 409 for another body), and nothing is
 * checked or stored again (the case may have been closed since). */
static bool idempotent_replay(struct req *r)
{
	if (!r->idem_key[0])
		return false;
	struct store_stmt *s = store_stmt(r->reader, ST_IDEM_GET);
	sbind_int(s, 1, r->actor.user_id);
	sbind_text(s, 2, r->idem_key);
	bool seen = sstep(s) == STORE_ROW;
	sreset(s);
	return seen;
}

/* The checks of the request itself, in order: name, type, body, magic. */
static int upload_input(struct req *r, struct upload *u)
{
	const char *name = req_query(r, "name");
	if (attach_name_check(name, &r->err) != 0)
		return -1;
	snprintf(u->name, sizeof u->name, "%s", name);
	u->n.name = u->name;
	u->n.kind = attach_kind_of(req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE));
	if (!u->n.kind)
		return err_set(&r->err, E_ATTACH_TYPE, NULL,
		               "附件只能是 JPEG、PNG、WebP 图片或 PDF 文件（Content-Type 为 "
		               "image/jpeg、image/png、image/webp 或 application/pdf）");
	if (r->body.len == 0)
		return err_set(&r->err, E_BAD_REQUEST, NULL, "附件为空：请求体应为文件本身");
	if (!attach_magic_ok(u->n.kind, r->body.data, r->body.len))
		return err_set(&r->err, E_ATTACH_TYPE, NULL, "文件内容与类型 %s 不符",
		               u->n.kind->mime);
	u->n.size = (int64_t)r->body.len;
	return 0;
}

/* POST /api/v1/cases/{id}/attachments?name=FILE, the file as the body */
enum handler_result api_attachment_add(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	struct case_full cf;
	if (id < 0 || case_load(r->reader, r->app, id, &cf) != 0)
		return reply_err(r, E_NOT_FOUND, NULL, "工单不存在");
	struct upload *u = calloc(1, sizeof *u);
	int rc = u ? attach_may(&r->actor, &cf, &r->err) : err_oom(&r->err);
	bool replay = rc == 0 && idempotent_replay(r);
	if (rc == 0 && !replay) {
		rc = upload_input(r, u);
		if (rc == 0)
			rc = attach_case_open(&cf, &r->err);
		if (rc == 0)
			rc = attach_room(r->reader, id, &r->err);
	}
	case_full_release(&cf);
	if (rc != 0) {
		free(u);
		return reply_failed(r);
	}
	u->n.case_id = id;
	r->hctx = u;
	if (replay)
		return reply_async(r, upload_job);
	if (req_offload_io(r, upload_store, upload_job) != 0)
		return reply_err(r, E_UNAVAILABLE, NULL, "正在保存的附件较多，请稍后重试");
	return H_ASYNC;
}

/* GET /api/v1/cases/{id}/attachments; a recorded reader's list is a
 * case.read event {"view":"attachments"} first. */
enum handler_result api_attachments_list(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *out;
	if (attach_list(r->reader, r->app, &r->actor, id, &out, &r->err) != 0)
		return reply_failed(r);
	r->out = out;
	return api_reply_read(r, id, false, "case.read", json_pack("{s:s}", "view", "attachments"));
}

/* GET /api/v1/attachments/{id}: the file as stored, for the case's readers.
 * Content addressed, so it never changes: the browser may keep it a year
 * (but not a recorded reader's, whose every view must reach the server).
 * A file opened in a tab of its own runs nothing (CSP sandbox), and is never
 * taken for another type (nosniff, on every answer). A recorded reader's
 * download is a case.read event {"view":"attachment",…} first. */
enum handler_result api_attachment_get(struct req *r)
{
	int64_t id = req_param_id(r, 0);
	struct attach_rec a;
	if (id < 0)
		return reply_err(r, E_NOT_FOUND, NULL, "附件不存在");
	if (attach_get(r->reader, r->app, &r->actor, id, &a, &r->err) != 0)
		return reply_failed(r);
	char disposition[sizeof r->disposition];
	if (attach_disposition(&a, disposition, sizeof disposition) != 0)
		return reply_err(r, E_INTERNAL, NULL, NULL);
	/* the size is checked on every download, the hash by audit verify */
	int fd = filestore_open(r->app->files_dir, a.sha256, a.size);
	if (fd < 0) {
		fprintf(stderr, "civicloop: 附件 %lld 的文件 %s %s\n", (long long)a.id, a.sha256,
		        errno == ENOENT ? "缺失" : "大小不符或无法读取");
		return reply_err(r, E_UNAVAILABLE, NULL, "附件文件缺失或已损坏，请联系管理员");
	}
	req_reply_file(r, fd, a.size, a.kind->mime, disposition);
	/* a recorded reader's every view goes through the server (no-store) */
	if (!actor_reads_recorded(&r->actor))
		r->cache_control = "private, max-age=31536000, immutable";
	r->csp = "sandbox; default-src 'none'";
	return api_reply_read(r, a.case_id, false, "case.read",
	                      json_pack("{s:s,s:I,s:s}", "view", "attachment", "attachment",
	                                (json_int_t)a.id, "sha256", a.sha256));
}
