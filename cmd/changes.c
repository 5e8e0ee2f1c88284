#include <string.h>

#include "cmd.h"
#include "ks_canon_parse.h"
#include "ks_diff.h"
#include "ks_err.h"

static void print_bits(unsigned long long bits)
{
	if (bits % 8)
		printf("bit %llu", bits);
	else
		printf("%llu", bits / 8);
}

/* "1" of "BPF_MAP_TYPE_HASH = 1" */
static const char *enum_value(const char *decl)
{
	const char *eq = decl ? strstr(decl, " = ") : NULL;

	return eq ? eq + 3 : decl ? decl : "";
}

void print_def_summary(const struct ks_def *d)
{
	const char *word = ks_member_word(d->kind);
	size_t i, n = 0, other = 0;

	for (i = 0; i < d->n; i++) {
		if (d->members[i].positional && !strcmp(d->members[i].name, "return"))
			continue;
		if (!strcmp(word, "argument") && !d->members[i].positional)
			other++;	/* a tracepoint's record fields */
		else
			n++;
	}
	if (!strcmp(d->kind, "typedef")) {
		printf("size %llu", d->size);
		return;
	}
	if (n == 1)
		printf("1 %s", word);
	else if (!strcmp(word, "entry"))
		printf("%zu entries", n);
	else
		printf("%zu %ss", n, word);
	if (other)
		printf(", a record of %zu fields", other);
	if (d->size)
		printf(", size %llu", d->size);
	if (d->note)
		printf(" (%s)", d->note);
}

void print_changes(const struct ks_diff *d, int layout, const char *indent)
{
	size_t i, hidden = 0;

	for (i = 0; i < d->n; i++) {
		const struct ks_change *c = &d->changes[i];

		if (ks_change_is_layout(c->kind) && !layout) {
			hidden++;
			continue;
		}
		switch (c->kind) {
		case KS_FIELD_ADDED:
			printf("%s%s+ %s%s\n", indent, col(C_GREEN), c->new_decl, col(C_RESET));
			break;
		case KS_FIELD_REMOVED:
			printf("%s%s- %s%s\n", indent, col(C_RED), c->old_decl, col(C_RESET));
			break;
		case KS_FIELD_TYPE_CHANGED:
		case KS_BITFIELD_CHANGED:
			printf("%s%s~ %s%s: %s -> %s\n", indent, col(C_YELLOW), c->field,
			       col(C_RESET), c->old_decl, c->new_decl);
			break;
		case KS_FIELD_RENAMED:
			printf("%s%s~ %s -> %s%s: %s -> %s\n", indent, col(C_YELLOW), c->old_field,
			       c->field, col(C_RESET), c->old_decl, c->new_decl);
			break;
		case KS_VALUE_CHANGED:
			printf("%s%s~ %s%s: %s -> %s\n", indent, col(C_YELLOW), c->field,
			       col(C_RESET), enum_value(c->old_decl), enum_value(c->new_decl));
			break;
		case KS_PARAM_MOVED:
			printf("%s%s> %s%s: position %llu -> %llu (reordered)\n", indent,
			       col(C_YELLOW), c->field, col(C_RESET), c->old_value, c->new_value);
			break;
		case KS_FIELD_MOVED:
			if (c->positional) {
				printf("%s%s> %s%s: position %llu -> %llu\n", indent, col(C_CYAN),
				       c->field, col(C_RESET), c->old_value, c->new_value);
				break;
			}
			printf("%s%s> %s%s: offset ", indent, col(C_CYAN), c->field, col(C_RESET));
			print_bits(c->old_value);
			printf(" -> ");
			print_bits(c->new_value);
			putchar('\n');
			break;
		case KS_SIZE_CHANGED:
			printf("%s%s= size%s %llu -> %llu\n", indent, col(C_CYAN), col(C_RESET),
			       c->old_value, c->new_value);
			break;
		case KS_NOTE_CHANGED:		/* linkage, signedness */
		case KS_SYMBOLS_CHANGED:
		case KS_KIND_CHANGED:
			printf("%s%s! %s -> %s%s\n", indent, col(C_YELLOW), c->old_decl,
			       c->new_decl, col(C_RESET));
			break;
		case KS_FIELD_RESIZED:
			printf("%s%s= %s%s: its type's size ", indent, col(C_CYAN), c->field,
			       col(C_RESET));
			print_bits(c->old_value);
			printf(" -> ");
			print_bits(c->new_value);
			putchar('\n');
			break;
		}
	}
	if (hidden)
		printf("%s%s(%zu layout change%s: --layout shows %s)%s\n", indent, col(C_DIM),
		       hidden, hidden > 1 ? "s" : "", hidden > 1 ? "them" : "it", col(C_RESET));
}

void json_changes(struct ks_json *j, const struct ks_diff *d, int layout)
{
	size_t i;

	ks_json_begin_array(j, "changes");
	for (i = 0; d && i < d->n; i++) {
		const struct ks_change *c = &d->changes[i];

		if (ks_change_is_layout(c->kind) && !layout)
			continue;
		ks_json_begin_object(j, NULL);
		ks_json_put_str(j, "kind", ks_change_name(d->kind, c));
		if (c->kind == KS_NOTE_CHANGED || c->kind == KS_SYMBOLS_CHANGED) {
			ks_json_put_null(j, "field");
			ks_json_put_str(j, "old", c->old_decl);
			ks_json_put_str(j, "new", c->new_decl);
		} else if (c->kind == KS_VALUE_CHANGED) {
			ks_json_put_str(j, "field", c->field);
			ks_json_put_str(j, "old_decl", c->old_decl);
			ks_json_put_str(j, "new_decl", c->new_decl);
			ks_json_put_str(j, "old_value", enum_value(c->old_decl));
			ks_json_put_str(j, "new_value", enum_value(c->new_decl));
		} else if (c->positional && (c->kind == KS_FIELD_MOVED || c->kind == KS_PARAM_MOVED)) {
			ks_json_put_str(j, "field", c->field);
			ks_json_put_str(j, "old_decl", c->old_decl);
			ks_json_put_str(j, "new_decl", c->new_decl);
			ks_json_put_uint(j, "old_position", c->old_value);
			ks_json_put_uint(j, "new_position", c->new_value);
		} else if (c->kind == KS_KIND_CHANGED) {
			ks_json_put_null(j, "field");
			ks_json_put_str(j, "old_kind", c->old_decl);
			ks_json_put_str(j, "new_kind", c->new_decl);
		} else if (c->kind == KS_SIZE_CHANGED) {
			ks_json_put_null(j, "field");
			ks_json_put_uint(j, "old_size", c->old_value);
			ks_json_put_uint(j, "new_size", c->new_value);
		} else if (c->kind == KS_FIELD_RESIZED) {
			ks_json_put_str(j, "field", c->field);
			ks_json_put_str(j, "old_decl", c->old_decl);
			ks_json_put_str(j, "new_decl", c->new_decl);
			ks_json_put_uint(j, "old_size_bits", c->old_value);
			ks_json_put_uint(j, "new_size_bits", c->new_value);
		} else {
			ks_json_put_str(j, "field", c->field);
			if (c->old_field)
				ks_json_put_str(j, "old_field", c->old_field);
			ks_json_put_str(j, "old_decl", c->old_decl);
			ks_json_put_str(j, "new_decl", c->new_decl);
			/* parameters have places, not offsets */
			if (c->old_decl && !c->positional)
				ks_json_put_uint(j, "old_offset_bits", c->old_value);
			if (c->new_decl && !c->positional)
				ks_json_put_uint(j, "new_offset_bits", c->new_value);
		}
		ks_json_end_object(j);
	}
	ks_json_end_array(j);
}
