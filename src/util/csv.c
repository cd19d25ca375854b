/* RFC 4180 cells from text in memory (util/csv.h). */
#include "util/csv.h"

#include <stdio.h>

int csv_cell(struct csv *c, struct buf *cell, bool *eol, bool *eof, struct err *e)
{
	char f[64];
	cell->len = 0;
	*eol = *eof = false;
	bool quoted = c->p < c->end && *c->p == '"';
	if (quoted)
		c->p++;
	for (;;) {
		if (c->p >= c->end) {
			if (quoted) {
				snprintf(f, sizeof f, "line %d", c->line);
				return err_set(e, E_FIELD_INVALID, f, "第 %d 行：引号没有闭合",
				               c->line);
			}
			*eol = *eof = true;
			return 0;
		}
		char ch = *c->p++;
		if (quoted && ch == '"') {
			if (c->p < c->end && *c->p == '"') {
				c->p++;
				buf_append(cell, "\"", 1);
				continue;
			}
			quoted = false;
			if (c->p < c->end && *c->p != ',' && *c->p != '\r' && *c->p != '\n') {
				snprintf(f, sizeof f, "line %d", c->line);
				return err_set(e, E_FIELD_INVALID, f, "第 %d 行：引号后多了字符",
				               c->line);
			}
			continue;
		}
		if (!quoted && ch == ',')
			return 0;
		if (!quoted && (ch == '\n' || ch == '\r')) {
			if (ch == '\r' && c->p < c->end && *c->p == '\n')
				c->p++;
			c->line++;
			*eol = true;
			*eof = c->p >= c->end;
			return 0;
		}
		if (!quoted && ch == '"') {
			snprintf(f, sizeof f, "line %d", c->line);
			return err_set(e, E_FIELD_INVALID, f, "第 %d 行：不带引号的单元格里有引号",
			               c->line);
		}
		if (ch == '\n')
			c->line++;
		if (cell->len >= CSV_CELL_MAX) {
			snprintf(f, sizeof f, "line %d", c->line);
			return err_set(e, E_FIELD_TOO_LONG, f, "第 %d 行：单元格过长", c->line);
		}
		buf_append(cell, &ch, 1);
	}
}
