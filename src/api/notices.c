/* Placeholder until this resource is written. */
#include "api/api.h"

enum handler_result api_notices(struct req *r)
{
	return reply_err(r, E_NOT_FOUND, NULL, "尚未实现");
}

enum handler_result api_notice_read(struct req *r)
{
	return reply_err(r, E_NOT_FOUND, NULL, "尚未实现");
}
