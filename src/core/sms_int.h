/*
 * What the SMS files share (core/sms.h): the loaded config and the template
 * filler. Not for other modules.
 */
#ifndef CIVICLOOP_CORE_SMS_INT_H
#define CIVICLOOP_CORE_SMS_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sms.h"

#define SMS_MAX_TEMPLATES 32
#define SMS_MAX_TRIGGERS 32
#define SMS_MAX_LIST 16    /* events, types, roles, timers of one trigger */
#define SMS_MAX_OUTCOMES 8 /* outcome rules of one trigger */
#define SMS_MAX_HEADERS 16
#define SMS_MAX_SECRETS 8
#define SMS_NAME_MAX 64       /* template, placeholder and secret names */
#define SMS_GATEWAY_TEXT 2048 /* a URL, header or body value after filling */
#define SMS_BODY_MAX 16384    /* a gateway request body */

/* Placeholders a text template may name: values known when the event
 * happens, none of them personal data. */
enum sms_var { SV_NO, SV_TYPE_NAME, SV_CLASS, SV_DEADLINE, SV_OUTCOME, SV_UNIT, SV__N };
extern const char *const sms_var_names[SV__N];

struct sms_template {
	char *name;        /* the key in "templates"; kind "sms.<name>" */
	char *text;        /* Chinese text with {placeholders} */
	char *template_id; /* the provider's template code, may be NULL */
	unsigned uses;     /* bit per enum sms_var the text names */
};

enum sms_to { TO_REPORTER, TO_NEW_UNITS, TO_OVERDUE_UNIT };

struct sms_outcome {
	char *field; /* a case field */
	json_t *in;  /* values that pick this outcome (owned) */
	char *text;
};

struct sms_trigger {
	const struct sms_template *tpl;
	enum sms_to to;
	char *events[SMS_MAX_LIST]; /* event actions; none: any */
	int nevents;
	char *to_state; /* the state the event leads to, may be NULL */
	char *types[SMS_MAX_LIST];
	int ntypes;
	char *roles[SMS_MAX_LIST]; /* unit recipients: accounts with one of these roles */
	int nroles;
	char *timers[SMS_MAX_LIST]; /* TO_OVERDUE_UNIT: the timer kinds; none: any */
	int ntimers;
	char *not_if[SMS_MAX_LIST]; /* event payload keys that rule it out ("ext_ref": an import) */
	int nnot_if;
	struct sms_outcome outcomes[SMS_MAX_OUTCOMES];
	int noutcomes;
	char *outcome_default;
};

enum sms_body { BODY_NONE, BODY_JSON, BODY_FORM };

struct sms_header {
	char *name;
	char *value; /* with gateway placeholders */
};

struct sms_secret {
	char *name;  /* the placeholder */
	char *value; /* read from the environment at load */
};

struct sms_gateway {
	char *url; /* with gateway placeholders, URL-encoded when filled */
	char *method;
	struct sms_header headers[SMS_MAX_HEADERS];
	int nheaders;
	enum sms_body body_kind;
	json_t *body; /* an object whose string values hold placeholders (owned) */
	char *sign;
	struct sms_secret secrets[SMS_MAX_SECRETS];
	int nsecrets;
	char *ok_field;   /* success: the response's JSON field ... */
	json_t *ok_value; /* ... must equal this; NULL: any 2xx (owned) */
	long timeout_ms;
};

struct sms_config {
	char path[1024];
	int max_chars;
	char *consent_field; /* a confidential case's opt-in field, may be NULL */
	bool file_sink;      /* else the gateway */
	char file[1100];     /* the sink file, absolute or from the db's folder */
	struct sms_gateway gw;
	struct sms_template templates[SMS_MAX_TEMPLATES];
	int ntemplates;
	struct sms_trigger triggers[SMS_MAX_TRIGGERS];
	int ntriggers;
};

const struct sms_template *sms_template_find(const struct sms_config *c, const char *name);

/* Placeholder filling: each "{name}" of tpl replaced by look(name) (NULL:
 * unknown). A '{' that does not open a placeholder "[a-z_]{1,64}}" is an
 * error, so a template never holds a stray brace. */
typedef const char *(*sms_look_fn)(const char *name, const void *arg);
enum sms_escape { ESC_NONE, ESC_URL, ESC_LINE };
/* Fills tpl into out[cap] escaping each value as esc says (ESC_URL
 * percent-encodes, ESC_LINE refuses a value with a control character).
 * 0; -1 unknown placeholder or bad value (why says); -2 too long. */
int sms_fill(const char *tpl, sms_look_fn look, const void *arg, enum sms_escape esc, char *out,
             size_t cap, char *why, size_t whycap);
/* The names tpl uses, each checked by known(name); -1 with why. */
int sms_names_check(const char *tpl, bool (*known)(const char *name, void *arg), void *arg,
                    char *why, size_t whycap);

/* The text of template t with vars (an object of sms_var names), cut to
 * max_chars characters, into out[cap]. 0 or -1 (why). */
int sms_render_text(const struct sms_template *t, json_t *vars, int max_chars, char *out,
                    size_t cap, char *why, size_t whycap);

/* Gateway values a request may name (besides the config's secrets). */
struct sms_gw_values {
	const char *phone, *text, *sign, *template_id, *id, *params;
	const struct sms_gateway *gw;
};
const char *sms_gw_look(const char *name, const void *arg);
bool sms_gw_known(const char *name, void *arg);

/* The request for one text: URL, header lines ("Name: value"), body (NULL
 * when none) — each owned by the caller (free). 0 or -1 (why). */
struct sms_request {
	char *url;
	char *headers[SMS_MAX_HEADERS];
	int nheaders;
	char *body;
};
int sms_request_build(const struct sms_gateway *gw, const struct sms_gw_values *v,
                      struct sms_request *rq, char *why, size_t whycap);
void sms_request_release(struct sms_request *rq);
/* Whether the gateway's answer (HTTP status, body) means sent. */
bool sms_gateway_ok(const struct sms_gateway *gw, long status, const char *body);

/* Sinks: 0 sent, -1 retry (why). */
int sms_file_append(const char *file, int64_t id, const char *phone, const char *text, int64_t now,
                    char *why, size_t whycap);
int sms_http_send(const struct sms_gateway *gw, const struct sms_gw_values *v, char *why,
                  size_t whycap);

#endif
