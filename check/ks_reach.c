/* Constant propagation over BPF instructions, as far as the verifier's
 * dead-branch pruning needs it: registers known or not, merged at joins
 * (known only when every path agrees), conditional jumps on known values
 * taking one edge. */
#include "ks_reach.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"

#define NREGS 11

/* instruction classes and operations (linux/bpf_common.h, bpf.h) */
enum {
	C_LD = 0x00, C_LDX = 0x01, C_ST = 0x02, C_STX = 0x03,
	C_ALU = 0x04, C_JMP = 0x05, C_JMP32 = 0x06, C_ALU64 = 0x07,
	S_X = 0x08,
	J_JA = 0x00, J_JEQ = 0x10, J_JGT = 0x20, J_JGE = 0x30, J_JSET = 0x40,
	J_JNE = 0x50, J_JSGT = 0x60, J_JSGE = 0x70, J_CALL = 0x80, J_EXIT = 0x90,
	J_JLT = 0xa0, J_JLE = 0xb0, J_JSLT = 0xc0, J_JSLE = 0xd0,
	A_ADD = 0x00, A_SUB = 0x10, A_MUL = 0x20, A_OR = 0x40, A_AND = 0x50,
	A_LSH = 0x60, A_RSH = 0x70, A_NEG = 0x80, A_XOR = 0xa0, A_MOV = 0xb0,
	A_ARSH = 0xc0,
	LD_IMM64 = 0x18,
};

struct state {
	uint16_t known;		/* bit per register */
	int64_t v[NREGS];
};

static int is_known(const struct state *s, unsigned int r)
{
	return r < NREGS && (s->known >> r) & 1;
}

static void set(struct state *s, unsigned int r, int64_t v)
{
	if (r >= NREGS)
		return;
	s->known |= (uint16_t)(1u << r);
	s->v[r] = v;
}

static void forget(struct state *s, unsigned int r)
{
	if (r < NREGS)
		s->known &= (uint16_t)~(1u << r);
}

/* 1 when @dst's state changed */
static int meet(struct state *dst, const struct state *src)
{
	uint16_t k = dst->known & src->known;
	unsigned int r;

	for (r = 0; r < NREGS; r++)
		if ((k >> r) & 1 && dst->v[r] != src->v[r])
			k &= (uint16_t)~(1u << r);
	if (k == dst->known)
		return 0;
	dst->known = k;
	return 1;
}

static int alu(unsigned int op, int64_t a, int64_t b, int is64, int64_t *out)
{
	uint64_t x = (uint64_t)a, y = (uint64_t)b, r;

	if (!is64) {
		x &= 0xffffffffu;
		y &= 0xffffffffu;
	}
	switch (op) {
	case A_ADD: r = x + y; break;
	case A_SUB: r = x - y; break;
	case A_MUL: r = x * y; break;
	case A_OR: r = x | y; break;
	case A_AND: r = x & y; break;
	case A_XOR: r = x ^ y; break;
	case A_LSH: r = x << (y & (is64 ? 63 : 31)); break;
	case A_RSH: r = x >> (y & (is64 ? 63 : 31)); break;
	case A_MOV: r = y; break;
	case A_NEG: r = (uint64_t)0 - x; break;
	default: return -1;
	}
	*out = (int64_t)(is64 ? r : r & 0xffffffffu);
	return 0;
}

/* -1 when the outcome is not known, else 0 or 1 */
static int cond(unsigned int op, int64_t a, int64_t b, int is64)
{
	uint64_t x = (uint64_t)a, y = (uint64_t)b;
	int64_t sx = a, sy = b;

	if (!is64) {
		x &= 0xffffffffu;
		y &= 0xffffffffu;
		sx = (int32_t)x;
		sy = (int32_t)y;
	}
	switch (op) {
	case J_JEQ: return x == y;
	case J_JNE: return x != y;
	case J_JGT: return x > y;
	case J_JGE: return x >= y;
	case J_JLT: return x < y;
	case J_JLE: return x <= y;
	case J_JSET: return (x & y) != 0;
	case J_JSGT: return sx > sy;
	case J_JSGE: return sx >= sy;
	case J_JSLT: return sx < sy;
	case J_JSLE: return sx <= sy;
	default: return -1;
	}
}

struct walk {
	const struct ks_code *c;
	struct state *st;
	unsigned char *have;
	size_t *stack, top;
	int bad;
};

static void flow(struct walk *w, size_t to, const struct state *s)
{
	if (to >= w->c->n) {
		w->bad = 1;
		return;
	}
	if (!w->have[to]) {
		w->have[to] = 1;
		w->st[to] = *s;
	} else if (!meet(&w->st[to], s)) {
		return;
	}
	w->stack[w->top++] = to;
}

static int patched(const struct ks_patch *p, size_t n, size_t insn, int64_t *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i].insn == insn) {
			*v = p[i].value;
			return 1;
		}
	return 0;
}

static void step(struct walk *w, size_t i, const struct ks_patch *p, size_t np)
{
	const struct ks_insn *in = &w->c->insns[i];
	struct state s = w->st[i];
	unsigned int cls = in->code & 7, op = in->code & 0xf0;
	int64_t imm = in->imm, v, pv;
	int has_patch = patched(p, np, i, &pv);

	if (has_patch)
		imm = pv;
	if (in->code == LD_IMM64) {
		if (i + 1 >= w->c->n) {
			w->bad = 1;
			return;
		}
		if (has_patch)
			set(&s, in->dst, pv);
		else if (in->src)	/* a map, a BTF id, a function: not a number */
			forget(&s, in->dst);
		else
			set(&s, in->dst, (int64_t)((uint64_t)(uint32_t)in->imm |
						   (uint64_t)(uint32_t)w->c->insns[i + 1].imm << 32));
		flow(w, i + 2, &s);
		return;
	}
	switch (cls) {
	case C_ALU:
	case C_ALU64: {
		int is64 = cls == C_ALU64;

		if (op == A_MOV && !(in->code & S_X) && in->off == 0) {
			set(&s, in->dst, is64 ? imm : (int64_t)(uint32_t)imm);
		} else if (op == A_MOV && (in->code & S_X) && in->off == 0) {
			if (is_known(&s, in->src))
				set(&s, in->dst, is64 ? s.v[in->src] : (int64_t)(uint32_t)s.v[in->src]);
			else
				forget(&s, in->dst);
		} else if (is_known(&s, in->dst) &&
			   (!(in->code & S_X) || is_known(&s, in->src)) &&
			   !alu(op, s.v[in->dst], (in->code & S_X) ? s.v[in->src] : imm, is64, &v)) {
			set(&s, in->dst, v);
		} else {
			forget(&s, in->dst);
		}
		flow(w, i + 1, &s);
		return;
	}
	case C_LDX:
	case C_LD:		/* legacy packet loads write r0 */
		forget(&s, cls == C_LD ? 0 : in->dst);
		flow(w, i + 1, &s);
		return;
	case C_ST:
	case C_STX:
		if ((in->code & 0xe0) == 0xc0)	/* atomics may write a register */
			forget(&s, in->src), forget(&s, 0);
		flow(w, i + 1, &s);
		return;
	case C_JMP:
	case C_JMP32: {
		int is64 = cls == C_JMP;
		int64_t b;
		int c;

		if (op == J_EXIT)
			return;
		if (op == J_CALL) {
			unsigned int r;

			if (in->src == 1 && (int64_t)i + 1 + imm >= 0)	/* a function here */
				flow(w, (size_t)((int64_t)i + 1 + imm), &(struct state){ 0 });
			for (r = 0; r <= 5; r++)
				forget(&s, r);
			flow(w, i + 1, &s);
			return;
		}
		if (op == J_JA) {
			int64_t to = (int64_t)i + 1 + (cls == C_JMP32 ? imm : in->off);

			if (to < 0)
				w->bad = 1;
			else
				flow(w, (size_t)to, &s);
			return;
		}
		c = -1;
		if (is_known(&s, in->dst) && (!(in->code & S_X) || is_known(&s, in->src))) {
			b = (in->code & S_X) ? s.v[in->src] : imm;
			c = cond(op, s.v[in->dst], b, is64);
		}
		if (c != 0) {
			int64_t to = (int64_t)i + 1 + in->off;

			if (to < 0)
				w->bad = 1;
			else
				flow(w, (size_t)to, &s);
		}
		if (c != 1)
			flow(w, i + 1, &s);
		return;
	}
	}
}

int ks_reach(const struct ks_code *code, const struct ks_patch *patches, size_t npatches,
	     unsigned char *reached)
{
	struct walk w;
	struct state zero;
	size_t k;

	memset(&w, 0, sizeof(w));
	memset(&zero, 0, sizeof(zero));
	w.c = code;
	w.st = ks_xcalloc(code->n ? code->n : 1, sizeof(*w.st));
	w.have = reached;
	/* each instruction is pushed at most once per register it forgets */
	w.stack = ks_xcalloc(code->n * (NREGS + 2) + 1, sizeof(*w.stack));
	memset(reached, 0, code->n);
	if (!code->nentries)
		flow(&w, 0, &zero);
	for (k = 0; k < code->nentries; k++)
		flow(&w, code->entries[k], &zero);
	while (w.top && !w.bad) {
		size_t i = w.stack[--w.top];

		step(&w, i, patches, npatches);
	}
	free(w.st);
	free(w.stack);
	if (w.bad) {
		memset(reached, 1, code->n);
		return -1;
	}
	return 0;
}
