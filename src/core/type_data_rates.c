/*
 * The "rates" block of a matter type (type_data.h): which states and
 * actions each rate of core/stats.c counts, and the follow-up's payload
 * conditions (resolved, satisfied), each checked against the type's
 * lifecycle and fields. Split from type_data.c, whose checks it uses
 * (type_data_int.h); like it, it allocates nothing.
 */
#include "core/type_data.h"
#include "core/type_data_int.h"
#include "core/types.h"

#include <string.h>

#include "util/utf8.h"

static const struct type_field *action_field(const struct type_action *a, const char *name)
{
	for (int i = 0; i < a->nfields; i++)
		if (!strcmp(a->fields[i].name, name))
			return &a->fields[i];
	return NULL;
}

/* Does the value suit the field's kind? */
static bool value_fits(const struct type_field *f, json_t *v)
{
	switch (f->kind) {
	case FK_BOOL:
		return json_is_boolean(v);
	case FK_INT:
		return json_is_integer(v);
	case FK_STRING:
	case FK_TEXT:
		return json_is_string(v);
	case FK_ENUM: {
		size_t i;
		json_t *x;
		json_array_foreach(f->values, i, x)
		{
			if (json_equal(x, v))
				return true;
		}
		return false;
	}
	default:
		return false;
	}
}

/* {"field": F, "in": [...]} on the payload of action a. */
static int get_cond(struct tdl *L, json_t *o, const char *key, const char *sub,
                    const struct type_action *a, struct rate_cond *c)
{
	static const char *const keys[] = {"field", "in"};
	char k[160], kk[200];
	tdl_subkey(k, sizeof k, key, sub);
	json_t *v = json_object_get(o, sub);
	if (!v)
		return tdl_bad(L, k, "缺少");
	if (tdl_only_keys(L, v, k, keys, 2) != 0)
		return -1;
	c->field = json_string_value(json_object_get(v, "field"));
	if (!c->field)
		return tdl_bad(L, tdl_subkey(kk, sizeof kk, k, "field"), "缺少");
	char clip[UTF8_CLIP_BUF];
	if (!tdl_name_ok(c->field))
		return tdl_bad(L, tdl_subkey(kk, sizeof kk, k, "field"),
		               "字段名 %s 只能由字母、数字和下划线组成",
		               utf8_clip(c->field, 64, clip, sizeof clip));
	const struct type_field *f = action_field(a, c->field);
	if (!f)
		return tdl_bad(L, tdl_subkey(kk, sizeof kk, k, "field"), "动作 %s 没有字段 %s",
		               a->code, c->field);
	c->in = json_object_get(v, "in");
	if (!json_is_array(c->in) || json_array_size(c->in) == 0)
		return tdl_bad(L, tdl_subkey(kk, sizeof kk, k, "in"), "必须是非空数组");
	size_t i;
	json_t *x;
	json_array_foreach(c->in, i, x)
	{
		if (!value_fits(f, x))
			return tdl_bad(L, tdl_subkey(kk, sizeof kk, k, "in"),
			               "第 %zu 项不是字段 %s 可取的值", i + 1, c->field);
	}
	return 0;
}

static bool action_has_effect(const struct type_action *a, const char *effect)
{
	for (int i = 0; i < a->neffects; i++)
		if (!strcmp(a->effects[i].name, effect))
			return true;
	for (int b = 0; b < a->nbranches; b++)
		for (int i = 0; i < a->branches[b].neffects; i++)
			if (!strcmp(a->branches[b].effects[i].name, effect))
				return true;
	return false;
}

/* rates.replies {"state"} and rates.completion {"states"}: both required. */
static int rates_replies_completion(struct tdl *L, json_t *o, struct type_rates *R)
{
	static const char *const reply_keys[] = {"state"};
	static const char *const close_keys[] = {"states"};
	json_t *v = json_object_get(o, "replies");
	if (!v)
		return tdl_bad(L, "rates.replies", "缺少（答复进入的状态）");
	if (tdl_only_keys(L, v, "rates.replies", reply_keys, 1) != 0 ||
	    tdl_get_state(L, v, "rates.replies", "state", true, false, &R->reply_state) != 0)
		return -1;
	v = json_object_get(o, "completion");
	if (!v)
		return tdl_bad(L, "rates.completion", "缺少（算作办结的状态）");
	if (tdl_only_keys(L, v, "rates.completion", close_keys, 1) != 0 ||
	    tdl_get_list(L, v, "rates.completion", "states", TDL_FINAL_STATES, &R->close_states) !=
	        0)
		return -1;
	if (!R->close_states)
		return tdl_bad(L, "rates.completion.states", "缺少");
	return 0;
}

/* Does some effect of action a, or of one of its branches, name `timer`
 * (its "timer" parameter)? */
static bool action_effect_names_timer(const struct type_action *a, const char *effect,
                                      const char *timer)
{
	for (int b = -1; b < a->nbranches; b++) {
		const struct type_effect *ef = b < 0 ? a->effects : a->branches[b].effects;
		int n = b < 0 ? a->neffects : a->branches[b].neffects;
		for (int i = 0; i < n; i++) {
			const char *t = json_string_value(json_object_get(ef[i].params, "timer"));
			if (!strcmp(ef[i].name, effect) && t && !strcmp(t, timer))
				return true;
		}
	}
	return false;
}

/* rates.follow_up.timer, optional: the case timer that runs while the case
 * waits for its follow-up (cases in a from-state of the follow-up action
 * show its due time as callback_due_at): a named deadline of the type that
 * some action starts (start_timer). */
static int follow_up_timer(struct tdl *L, json_t *v, struct type_rates *R)
{
	json_t *t = json_object_get(v, "timer");
	if (!t)
		return 0;
	const char *name = json_string_value(t);
	if (!name || !type_deadline(L->t, name))
		return tdl_bad(L, "rates.follow_up.timer", "须为 deadlines 中的时限名");
	for (int i = 0; i < L->t->nactions; i++)
		if (action_effect_names_timer(&L->t->actions[i], "start_timer", name)) {
			R->follow_up_timer = name;
			return 0;
		}
	return tdl_bad(L, "rates.follow_up.timer", "没有动作以 start_timer 启动时限 %s", name);
}

/* rates.follow_up (回访) {"action","resolved","satisfied","timer"?}: required. */
static int rates_follow_up(struct tdl *L, json_t *o, struct type_rates *R)
{
	static const char *const cb_keys[] = {"action", "resolved", "satisfied", "timer"};
	const struct type_action *a;
	json_t *v = json_object_get(o, "follow_up");
	if (!v)
		return tdl_bad(L, "rates.follow_up", "缺少（回访动作及其解决、满意字段）");
	if (tdl_only_keys(L, v, "rates.follow_up", cb_keys, 4) != 0 ||
	    tdl_get_action(L, v, "rates.follow_up", "action", true, &a) != 0)
		return -1;
	R->callback_action = a->code;
	if (get_cond(L, v, "rates.follow_up", "resolved", a, &R->resolved) != 0 ||
	    get_cond(L, v, "rates.follow_up", "satisfied", a, &R->satisfied) != 0 ||
	    follow_up_timer(L, v, R) != 0)
		return -1;
	return 0;
}

/* rates.returns (退单) {"action"}: the approving action cancels assignments. */
static int rates_returns(struct tdl *L, json_t *v, struct type_rates *R)
{
	static const char *const ret_keys[] = {"action"};
	const struct type_action *a;
	if (tdl_only_keys(L, v, "rates.returns", ret_keys, 1) != 0 ||
	    tdl_get_action(L, v, "rates.returns", "action", true, &a) != 0)
		return -1;
	if (!action_has_effect(a, "cancel_assignments"))
		return tdl_bad(L, "rates.returns.action",
		               "动作 %s 没有 cancel_assignments 效果，批准退单时须取消承办任务",
		               a->code);
	R->return_action = a->code;
	return 0;
}

/* rates.reopens (发回重办) {"actions","follow_up_to"}: each follow_up_to
 * state is one the follow-up action leads to. */
static int rates_reopens(struct tdl *L, json_t *v, struct type_rates *R)
{
	static const char *const reo_keys[] = {"actions", "follow_up_to"};
	if (tdl_only_keys(L, v, "rates.reopens", reo_keys, 2) != 0 ||
	    tdl_get_list(L, v, "rates.reopens", "actions", TDL_ACTIONS, &R->reopen_actions) ||
	    tdl_get_list(L, v, "rates.reopens", "follow_up_to", TDL_STATES,
	                 &R->reopen_follow_up_to))
		return -1;
	if (!R->reopen_actions && !R->reopen_follow_up_to)
		return tdl_bad(L, "rates.reopens", "需要 actions 或 follow_up_to");
	size_t i;
	json_t *x;
	const struct type_action *cb = type_action(L->t, R->callback_action);
	json_array_foreach(R->reopen_follow_up_to, i, x)
	{
		const char *to = json_string_value(x);
		if (!tdl_action_leads_to(cb, to))
			return tdl_bad(L, "rates.reopens.follow_up_to",
			               "回访动作 %s 不会进入状态 %s", cb->code, to);
	}
	return 0;
}

/* rates.transfer (to and from 110) {"action","state","channel"}. */
static int rates_transfer(struct tdl *L, json_t *v, struct type_rates *R)
{
	static const char *const tr_keys[] = {"action", "state", "channel"};
	const struct type_action *a;
	if (tdl_only_keys(L, v, "rates.transfer", tr_keys, 3) != 0 ||
	    tdl_get_action(L, v, "rates.transfer", "action", true, &a) != 0 ||
	    tdl_get_state(L, v, "rates.transfer", "state", true, true, &R->transfer_state) != 0)
		return -1;
	if (!tdl_action_leads_to(a, R->transfer_state))
		return tdl_bad(L, "rates.transfer.state", "动作 %s 不会进入状态 %s", a->code,
		               R->transfer_state);
	R->transfer_action = a->code;
	R->transfer_channel = json_string_value(json_object_get(v, "channel"));
	if (!R->transfer_channel)
		return tdl_bad(L, "rates.transfer.channel", "缺少");
	if (!type_has_channel(L->t, R->transfer_channel))
		return tdl_bad(L, "rates.transfer.channel", "不在 channels 中");
	return 0;
}

/* rates.local_resolution (disputes: 就地调处率) {"escalate"}. */
static int rates_local_resolution(struct tdl *L, json_t *v, struct type_rates *R)
{
	static const char *const loc_keys[] = {"escalate"};
	if (tdl_only_keys(L, v, "rates.local_resolution", loc_keys, 1) != 0 ||
	    tdl_get_list(L, v, "rates.local_resolution", "escalate", TDL_ACTIONS,
	                 &R->escalate_actions) != 0)
		return -1;
	if (!R->escalate_actions)
		return tdl_bad(L, "rates.local_resolution.escalate", "缺少");
	return 0;
}

/* rates.report_in (吹哨报到: each unit's 报到 times and the ratings)
 * {"ratings": [sides]}: the sides some rate_part effect of the type keeps. */
static int rates_report_in(struct tdl *L, json_t *v, struct type_rates *R)
{
	static const char *const keys[] = {"ratings"};
	if (tdl_only_keys(L, v, "rates.report_in", keys, 1) != 0)
		return -1;
	json_t *sides = json_object_get(v, "ratings");
	if (!json_is_array(sides))
		return tdl_bad(L, "rates.report_in.ratings",
		               "必须是评价方（rate_part 的 side）的数组");
	size_t i;
	json_t *x;
	json_array_foreach(sides, i, x)
	{
		bool found = false;
		for (int j = 0; json_is_string(x) && j < L->t->nactions && !found; j++)
			for (int k = 0; k < L->t->actions[j].neffects && !found; k++) {
				json_t *side =
				    json_object_get(L->t->actions[j].effects[k].params, "side");
				found = json_is_string(side) &&
				        !strcmp(json_string_value(side), json_string_value(x));
			}
		if (!found)
			return tdl_bad(L, "rates.report_in.ratings",
			               "%s 不是本类型某个 rate_part 效果的 side",
			               json_is_string(x) ? json_string_value(x) : "?");
	}
	R->report_in_sides = sides;
	return 0;
}

/* rates.reviews (联审联办: 宅基地审批) {"approved": [states], "refused":
 * [states]}: what counts as approved and refused in the joint-review
 * figures (core/stats_reviews.c). */
static int rates_reviews(struct tdl *L, json_t *v, struct type_rates *R)
{
	static const char *const keys[] = {"approved", "refused"};
	if (tdl_only_keys(L, v, "rates.reviews", keys, 2) != 0 ||
	    tdl_get_list(L, v, "rates.reviews", "approved", TDL_STATES, &R->reviews_approved) !=
	        0 ||
	    tdl_get_list(L, v, "rates.reviews", "refused", TDL_STATES, &R->reviews_refused) != 0)
		return -1;
	if (!R->reviews_approved || !R->reviews_refused)
		return tdl_bad(L, "rates.reviews", "须列出 approved 和 refused 的状态");
	return 0;
}

/* The "rates" block, optional; when present, replies, completion and
 * follow_up are required, the rest optional, checked in this order. */
int tdl_load_rates(struct tdl *L, json_t *o)
{
	static const char *const keys[] = {
	    "replies",    "completion", "follow_up",        "returns",   "reopens",
	    "duplicates", "transfer",   "local_resolution", "report_in", "reviews"};
	static const char *const merge_keys[] = {"state", "link"};
	struct type_rates *R = &L->t->data.rates;
	if (!o)
		return 0;
	if (tdl_only_keys(L, o, "rates", keys, sizeof keys / sizeof keys[0]) != 0)
		return -1;
	R->defined = true;
	if (rates_replies_completion(L, o, R) != 0 || rates_follow_up(L, o, R) != 0)
		return -1;
	json_t *v;
	if ((v = json_object_get(o, "returns")) && rates_returns(L, v, R) != 0)
		return -1;
	if ((v = json_object_get(o, "reopens")) && rates_reopens(L, v, R) != 0)
		return -1;
	/* duplicates (并单) {"state", "link"?}: the final state of a merged case,
	 * and the kind of its link to its parent (a merged child that followed
	 * its parent to another state still counts) */
	if ((v = json_object_get(o, "duplicates")) &&
	    (tdl_only_keys(L, v, "rates.duplicates", merge_keys, 2) != 0 ||
	     tdl_get_state(L, v, "rates.duplicates", "state", true, true, &R->merge_state) != 0))
		return -1;
	json_t *link = v ? json_object_get(v, "link") : NULL;
	if (link && (!json_is_string(link) || !*json_string_value(link)))
		return tdl_bad(L, "rates.duplicates.link", "必须是关联类别（非空文本）");
	R->merge_link = json_string_value(link);
	if ((v = json_object_get(o, "transfer")) && rates_transfer(L, v, R) != 0)
		return -1;
	if ((v = json_object_get(o, "local_resolution")) && rates_local_resolution(L, v, R) != 0)
		return -1;
	if ((v = json_object_get(o, "report_in")) && rates_report_in(L, v, R) != 0)
		return -1;
	if ((v = json_object_get(o, "reviews")) && rates_reviews(L, v, R) != 0)
		return -1;
	return 0;
}
