/* SPDX-License-Identifier: Apache-2.0 */
/* BPF arithmetic and comparisons on known values, as the CPU (and the verifier) computes them. */
#include "reach_internal.h"

uint64_t reach_trunc(uint64_t v, int bytes)
{
	return bytes >= 8 ? v : v & ((1ULL << (bytes * 8)) - 1);
}

int64_t reach_sext(uint64_t v, int bytes)
{
	int sh = 64 - bytes * 8;

	return bytes >= 8 ? (int64_t)v : (int64_t)(v << sh) >> sh;
}

uint64_t reach_bswap(uint64_t v, int bits)
{
	uint64_t r = 0;

	for (int i = 0; i < bits / 8; i++)
		r = r << 8 | ((v >> (8 * i)) & 0xff);
	return r;
}

/* Both operands known: the result (false: not computed, e.g. an unknown opcode). */
bool reach_alu(const struct bpf_insn *insn, bool is64, uint64_t a, uint64_t b, uint64_t *r)
{
	int w = is64 ? 8 : 4, sh = is64 ? 63 : 31;
	bool sdiv = insn->off == 1;

	if (!is64) {
		a = reach_trunc(a, 4);
		b = reach_trunc(b, 4);
	}
	switch (BPF_OP(insn->code)) {
	case BPF_ADD:
		*r = a + b;
		break;
	case BPF_SUB:
		*r = a - b;
		break;
	case BPF_MUL:
		*r = a * b;
		break;
	case BPF_DIV:
		if (!b)
			*r = 0;
		else if (sdiv)
			*r = (uint64_t)(reach_sext(a, w) == INT64_MIN && reach_sext(b, w) == -1
					    ? reach_sext(a, w)
					    : reach_sext(a, w) / reach_sext(b, w));
		else
			*r = a / b;
		break;
	case BPF_MOD:
		if (!b)
			*r = a;
		else if (sdiv)
			*r = (uint64_t)(reach_sext(b, w) == -1
					    ? 0
					    : reach_sext(a, w) % reach_sext(b, w));
		else
			*r = a % b;
		break;
	case BPF_OR:
		*r = a | b;
		break;
	case BPF_AND:
		*r = a & b;
		break;
	case BPF_XOR:
		*r = a ^ b;
		break;
	case BPF_LSH:
		*r = a << (b & sh);
		break;
	case BPF_RSH:
		*r = a >> (b & sh);
		break;
	case BPF_ARSH:
		*r = (uint64_t)(reach_sext(a, w) >> (b & sh));
		break;
	case BPF_NEG:
		*r = -a;
		break;
	default:
		return false;
	}
	*r = reach_trunc(*r, w);
	return true;
}

int reach_cmp(const struct bpf_insn *insn, uint64_t a, uint64_t b)
{
	bool w32 = BPF_CLASS(insn->code) == BPF_JMP32;
	uint8_t op = BPF_OP(insn->code);
	uint64_t ua, ub;
	int64_t sa, sb;

	ua = w32 ? reach_trunc(a, 4) : a;
	ub = w32 ? reach_trunc(b, 4) : b;
	sa = w32 ? reach_sext(ua, 4) : (int64_t)ua;
	sb = w32 ? reach_sext(ub, 4) : (int64_t)ub;
	switch (op) {
	case BPF_JEQ:
		return ua == ub;
	case BPF_JNE:
		return ua != ub;
	case BPF_JGT:
		return ua > ub;
	case BPF_JGE:
		return ua >= ub;
	case BPF_JLT:
		return ua < ub;
	case BPF_JLE:
		return ua <= ub;
	case BPF_JSGT:
		return sa > sb;
	case BPF_JSGE:
		return sa >= sb;
	case BPF_JSLT:
		return sa < sb;
	case BPF_JSLE:
		return sa <= sb;
	case BPF_JSET:
		return (ua & ub) != 0;
	default:
		return -1;
	}
}
