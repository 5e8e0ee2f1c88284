/* An eBPF object as `kstruct check` needs it: its programs with their
 * attach points, and its CO-RE relocations with the local side already
 * resolved (btf/ks_bpfobj.c fills it from the object's .BTF, .BTF.ext
 * and section names; check/ matches it against stored releases). */
#ifndef KS_PROG_H
#define KS_PROG_H

#include <stddef.h>
#include <stdint.h>

#include "ks_ctype.h"

/* libbpf's enum bpf_core_relo_kind, value for value (the .BTF.ext
 * records carry these numbers). */
enum ks_relo_kind {
	KS_RELO_FIELD_BYTE_OFFSET = 0,
	KS_RELO_FIELD_BYTE_SIZE = 1,
	KS_RELO_FIELD_EXISTS = 2,
	KS_RELO_FIELD_SIGNED = 3,
	KS_RELO_FIELD_LSHIFT_U64 = 4,
	KS_RELO_FIELD_RSHIFT_U64 = 5,
	KS_RELO_TYPE_ID_LOCAL = 6,
	KS_RELO_TYPE_ID_TARGET = 7,
	KS_RELO_TYPE_EXISTS = 8,
	KS_RELO_TYPE_SIZE = 9,
	KS_RELO_ENUMVAL_EXISTS = 10,
	KS_RELO_ENUMVAL_VALUE = 11,
	KS_RELO_TYPE_MATCHES = 12,
	KS_RELO_KIND_COUNT
};

enum ks_relo_class { KS_RELO_FIELD, KS_RELO_TYPE, KS_RELO_ENUMVAL };

/* One step of a field access: a member by name, or an array index. */
struct ks_access {
	const char *name;	/* NULL for an array index */
	uint32_t index;		/* the local member's index, or the array index */
	/* the local containing type (a member step) or array (an index step) */
	const struct ks_ctype *parent;
	const struct ks_ctype *type;	/* the local member's or element's type */
};

struct ks_relo {
	const char *section;	/* the program section the instruction is in */
	uint32_t insn;		/* instruction index in that section */
	enum ks_relo_kind kind;
	const char *spec;	/* the access string as recorded ("0:1:2") */
	/* The root type as the object declares it (typedefs not skipped,
	 * as libbpf looks candidates up by its kind and name). */
	const struct ks_ctype *root;
	/* Field relocations: the first step is the index into the root
	 * (access string's first number); then member and index steps,
	 * anonymous members left out, as libbpf walks them by name. */
	struct ks_access *steps;
	size_t nsteps;
	uint64_t local_bit_offset;	/* where the access lands in local types */
	/* Enumerator relocations: the local enumerator. */
	const char *enumerator;
	int64_t enum_value;
	/* "task_struct.pid", "enum bpf_prog_type::BPF_PROG_TYPE_NETFILTER",
	 * "struct task_struct": for messages */
	const char *access;
};

enum ks_attach_kind {
	KS_ATTACH_NONE,		/* needs no kernel symbol or type (xdp, uprobe, ...) */
	KS_ATTACH_FUNC,		/* kprobe, kretprobe, fentry, fexit, fmod_ret, ksyscall */
	KS_ATTACH_TRACEPOINT,	/* tp_btf, raw_tp: a raw tracepoint */
	KS_ATTACH_EVENT,	/* tracepoint/CATEGORY/NAME: a classic tracepoint */
	KS_ATTACH_LSM,		/* lsm/HOOK */
	KS_ATTACH_SYSCALL,	/* ksyscall/NAME */
};

struct ks_bpf_prog {
	const char *section;	/* "kprobe/vfs_read" */
	const char *name;	/* the function's symbol, "" when unknown */
	const char *type;	/* the section prefix ("kprobe"), or the whole name */
	enum ks_attach_kind attach;
	/* the function, tracepoint, hook or syscall; NULL when none; an
	 * event is CATEGORY/NAME ("syscalls/sys_enter_openat") */
	const char *target;
	/* the target as libbpf would ask the kernel for it only at attach
	 * time (kprobe on a name that may be inlined): a weaker check */
	int by_symbol;
};

/* One BPF instruction, decoded from the object's byte order. */
struct ks_insn {
	uint8_t code;
	uint8_t dst, src;
	int16_t off;
	int32_t imm;
};

/* A section of code: a program section or .text (subprograms), with the
 * offsets (in instructions) where its functions start. */
struct ks_code {
	const char *section;
	const struct ks_insn *insns;
	size_t n;
	const uint32_t *entries;
	size_t nentries;
};

struct ks_prog {
	struct ks_ct_arena *arena;	/* every string and type below */
	const char *path;
	struct ks_bpf_prog *progs;
	size_t nprogs;
	struct ks_relo *relos;
	size_t nrelos;
	struct ks_code *code;	/* every executable section */
	size_t ncode;
};

/* The code of @section, or NULL. */
const struct ks_code *ks_prog_code(const struct ks_prog *p, const char *section);

void ks_prog_free(struct ks_prog *p);

const char *ks_relo_kind_name(enum ks_relo_kind kind);
enum ks_relo_class ks_relo_class(enum ks_relo_kind kind);

#endif
