/* Placeholder until this resource is written. */
#include "api/api.h"

enum handler_result api_public_track(struct req *r)
{
	return reply_err(r, E_NOT_FOUND, NULL, "尚未实现");
}
