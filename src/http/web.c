/*
 * The web UI's files (web/dist, built by Vite) served from /: every GET or
 * HEAD outside the API's prefixes is a file of the build, or else the UI's
 * index.html, so that the UI's own routes (/cases/42) load the app
 * (history-mode fallback). docs/ui.md says why each header is what it is.
 *
 * The root is opened once at start (web_root_open); paths are checked
 * before any lookup: ASCII letters, digits and "._-/" only, no empty,
 * dot-led or ".." segment, so nothing outside the root is reachable by
 * name, and files are opened O_NOFOLLOW. Hashed assets under /assets/ are
 * cached for a year; index.html is revalidated on every load.
 */
#include "http/http.h"
#include "http/http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* No inline or evaluated script; Element Plus sets style attributes, so
 * styles may be inline. Images may be data: or blob: URLs (previews). */
#define WEB_CSP \
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " \
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; " \
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

#define WEB_PATH_MAX 256

static int web_fd = -1;
static bool web_off; /* serve --web none: no UI paths at all */
static char web_dir[1024];

/* The page every UI path gets when no build was found: the API still works. */
static char not_built_page[] = /* MHD takes a non-const pointer; never written */
    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
    "<title>民情闭环</title></head><body>"
    "<h1>界面尚未构建</h1>"
    "<p>服务器没有找到网页界面的构建结果（web/dist）。"
    "在源码目录运行 <code>make web</code>（需要 Node.js）后重启服务，"
    "或以 <code>civicloop serve --web 目录</code> 指定界面所在目录。</p>"
    "<p>接口仍可正常使用：<a href=\"/api/openapi.json\">/api/openapi.json</a></p>"
    "</body></html>";

int web_root_open(const char *dir, char *err, size_t errcap)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errcap, "无法打开网页界面目录 %s：%s", dir, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstatat(fd, "index.html", &st, 0) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errcap, "网页界面目录 %s 中没有 index.html（先运行 make web）", dir);
		close(fd);
		return -1;
	}
	if (web_fd >= 0)
		close(web_fd);
	web_fd = fd;
	snprintf(web_dir, sizeof web_dir, "%s", dir);
	return 0;
}

void web_root_none(void)
{
	web_off = true;
}

const char *web_root(void)
{
	return web_fd >= 0 ? web_dir : NULL;
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

bool web_wants(const char *method, const char *url)
{
	if (web_off || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0))
		return false;
	if (url[0] != '/')
		return false;
	return !(has_prefix(url, "/api/") || !strcmp(url, "/api") || has_prefix(url, "/open311/") ||
	         !strcmp(url, "/open311") || !strcmp(url, "/healthz") || !strcmp(url, "/metrics"));
}

/* rel (without the leading '/') names a file we may serve by name. */
static bool path_safe(const char *rel)
{
	size_t n = strlen(rel);
	if (n == 0 || n >= WEB_PATH_MAX)
		return false;
	bool seg_start = true;
	for (const char *p = rel; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/';
		if (!ok)
			return false;
		if (seg_start && (c == '.' || c == '/'))
			return false; /* dot-led or empty segment: "..", ".git", "//" */
		seg_start = c == '/';
	}
	return !seg_start; /* no trailing '/' */
}

static const struct {
	const char *ext;
	const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".map", "application/json"},
};

static const char *content_type(const char *rel)
{
	const char *dot = strrchr(rel, '.');
	const char *slash = strrchr(rel, '/');
	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (!strcasecmp(dot, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

/* Whether the last segment of rel has an extension: such a path names a
 * file, and a missing one is a 404, never the app's index.html. */
static bool looks_like_file(const char *rel)
{
	const char *slash = strrchr(rel, '/');
	const char *last = slash ? slash + 1 : rel;
	return strchr(last, '.') != NULL;
}

static bool accepts_gzip(struct MHD_Connection *conn)
{
	const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
	return ae && strstr(ae, "gzip") != NULL;
}

/* A regular file rel under the root, opened; -1 if there is none. */
static int open_file(const char *rel, off_t *size)
{
	int fd = openat(web_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	*size = st.st_size;
	return fd;
}

static void common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy", WEB_CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
}

static enum MHD_Result queue_buffer(struct MHD_Connection *conn, unsigned status, const char *type,
                                    char *body, size_t len)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	common_headers(resp);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result web_serve(struct MHD_Connection *conn, const char *url, unsigned *status)
{
	static char not_found[] = "404 页面不存在\n";
	if (web_fd < 0) {
		*status = 503;
		return queue_buffer(conn, 503, "text/html; charset=utf-8", not_built_page,
		                    sizeof not_built_page - 1);
	}
	const char *rel = url + 1;
	char gz[WEB_PATH_MAX + 4];
	off_t size = 0;
	int fd = -1;
	bool gzipped = false;
	if (path_safe(rel)) {
		/* a precompressed twin (web/scripts/gzip.mjs) when the client takes it */
		if (accepts_gzip(conn) && snprintf(gz, sizeof gz, "%s.gz", rel) < (int)sizeof gz) {
			fd = open_file(gz, &size);
			gzipped = fd >= 0;
		}
		if (fd < 0)
			fd = open_file(rel, &size);
	}
	if (fd < 0 && (has_prefix(rel, "assets/") || (path_safe(rel) && looks_like_file(rel)))) {
		*status = 404;
		return queue_buffer(conn, 404, "text/plain; charset=utf-8", not_found,
		                    sizeof not_found - 1);
	}
	if (fd < 0) { /* an app route: the app itself */
		rel = "index.html";
		if (accepts_gzip(conn)) {
			fd = open_file("index.html.gz", &size);
			gzipped = fd >= 0;
		}
		if (fd < 0)
			fd = open_file(rel, &size);
		if (fd < 0) {
			*status = 503;
			return queue_buffer(conn, 503, "text/html; charset=utf-8", not_built_page,
			                    sizeof not_built_page - 1);
		}
	}
	struct MHD_Response *resp = MHD_create_response_from_fd64((uint64_t)size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	common_headers(resp);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(rel));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	                        has_prefix(rel, "assets/") ? "public, max-age=31536000, immutable"
	                                                   : "no-cache");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (gzipped)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	*status = 200;
	return ret;
}
