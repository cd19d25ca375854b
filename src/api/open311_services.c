/*
 * Open311 discovery and services (docs/open311.md): GET
 * /open311/v2/discovery.{format}, services.{format} and
 * services/{code}.{format}.
 *
 * The services are the hotline's classes a citizen may raise through a
 * client, each under a stable ASCII service_code fixed here (never derived
 * from the Chinese class name), its name the class's own. Not offered: 举报
 * (reports are confidential, and so never publicly listed), 紧急 (an
 * emergency belongs on the phone, not in an asynchronous queue). A class
 * missing from the loaded hotline type is not offered either. The category
 * (the dispatch catalogue's wording, free text) is the attribute
 * `category`; grid events (raised by grid staff) and suggestion topics
 * (their own public route) are not services.
 */
#include "api/open311.h"
#include "core/app.h"

#include <stdio.h>
#include <string.h>

#include "core/types.h"

#define O311_CHANGESET "2026-12-01T00:00:00+08:00"
#define O311_SPEC "http://wiki.open311.org/GeoReport_v2"
#define HOST_MAX 255

static const struct o311_service services[] = {
    {"hotline-consult", "咨询", "政策、办事等问题的咨询", "咨询,政策,办事"},
    {"hotline-help", "求助", "生活中遇到困难、需要有关部门帮助解决的诉求", "求助,帮助"},
    {"hotline-complaint", "投诉", "对单位、企业或个人行为的投诉", "投诉"},
    {"hotline-suggestion", "建议", "对政府工作和公共事务的意见建议", "建议,意见"},
    {"hotline-praise", "表扬", "对政府部门或工作人员的表扬", "表扬,感谢"},
    {"hotline-utilities", "水电气热", "供水、供电、供气、供暖的故障和服务诉求",
     "停水,停电,燃气,供暖"},
};
#define NSERVICES (sizeof services / sizeof *services)

const struct matter_type *o311_type(const struct app *app)
{
	return types_find(app->types, "hotline");
}

static bool service_live(const struct app *app, const struct o311_service *sv)
{
	const struct matter_type *t = o311_type(app);
	const struct type_class *c = t ? type_class(t, sv->class) : NULL;
	return c && !c->confidential;
}

const struct o311_service *o311_service_by_code(const struct app *app, const char *code)
{
	for (size_t i = 0; code && i < NSERVICES; i++)
		if (!strcmp(services[i].code, code))
			return service_live(app, &services[i]) ? &services[i] : NULL;
	return NULL;
}

const struct o311_service *o311_service_by_class(const struct app *app, const char *cls)
{
	for (size_t i = 0; cls && i < NSERVICES; i++)
		if (!strcmp(services[i].class, cls))
			return service_live(app, &services[i]) ? &services[i] : NULL;
	return NULL;
}

static json_t *service_json(const struct app *app, const struct o311_service *sv)
{
	const struct matter_type *t = o311_type(app);
	const struct type_class *c = type_class(t, sv->class);
	return json_pack("{s:s,s:s,s:s,s:b,s:s,s:s,s:s}", "service_code", sv->code, "service_name",
	                 c->name, "description", sv->description, "metadata", 1, "type", "realtime",
	                 "keywords", sv->keywords, "group", t->name);
}

/* The Host header if it is a plain host[:port], else NULL. */
static const char *plain_host(struct req *r)
{
	const char *h = req_header(r, MHD_HTTP_HEADER_HOST);
	if (!h || !*h || strlen(h) > HOST_MAX)
		return NULL;
	for (const char *p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(".-:[]", *p)))
			return NULL;
	return h;
}

/* GET /open311/v2/discovery.{format}: where and how to reach the service. */
enum handler_result api_o311_discovery(struct req *r)
{
	if (!o311_begin(r, 0))
		return reply_failed(r);
	char url[HOST_MAX + 32];
	const char *host = plain_host(r);
	if (host)
		snprintf(url, sizeof url, "http://%s/open311/v2/", host);
	else
		snprintf(url, sizeof url, "/open311/v2/");
	json_t *ep = json_pack("{s:s,s:s,s:s,s:s,s:[s,s]}", "specification", O311_SPEC, "url", url,
	                       "changeset", O311_CHANGESET, "type", "production", "formats",
	                       "text/xml", "application/json");
	json_t *doc = json_pack(
	    "{s:s,s:s,s:s,s:[o]}", "changeset", O311_CHANGESET, "contact", "12345 政务服务便民热线",
	    "key_service", "api_key 由系统管理员签发（须有 open311.submit 权限）", "endpoints", ep);
	return o311_reply(r, 200, "discovery", NULL, doc);
}

/* GET /open311/v2/services.{format}: the services offered. */
enum handler_result api_o311_services(struct req *r)
{
	if (!o311_begin(r, 0))
		return reply_failed(r);
	json_t *list = json_array();
	for (size_t i = 0; i < NSERVICES; i++)
		if (service_live(r->app, &services[i]))
			json_array_append_new(list, service_json(r->app, &services[i]));
	return o311_reply(r, 200, "services", "service", list);
}

/* GET /open311/v2/services/{code}.{format}: a service's attributes. */
enum handler_result api_o311_service(struct req *r)
{
	if (!o311_begin(r, 1))
		return reply_failed(r);
	const struct o311_service *sv = o311_service_by_code(r->app, r->params[0]);
	if (!sv)
		return reply_err(r, E_NOT_FOUND, "service_code", "没有这个服务（service_code）");
	json_t *attr = json_pack("{s:b,s:s,s:s,s:b,s:s,s:i,s:s}", "variable", 1, "code", "category",
	                         "datatype", "string", "required", 0, "datatype_description",
	                         "不超过 64 字的文本", "order", 1, "description",
	                         "诉求类别（如“市容环境-占道经营”），可不填");
	json_t *doc = json_pack("{s:s,s:[o]}", "service_code", sv->code, "attributes", attr);
	return o311_reply(r, 200, "service_definition", NULL, doc);
}
