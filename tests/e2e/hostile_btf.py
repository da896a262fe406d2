#!/usr/bin/env python3
"""Hand-made hostile BTF files for tests/e2e/hostile.sh.

hostile_btf.py DIR writes DIR/<case>.btf for every case and prints one line per case:
"<case>\t<what the refusal must say>".
"""
import struct
import sys

INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST = range(1, 11)


class Btf:
    def __init__(self):
        self.types = b""
        self.strs = b"\0"

    def name(self, s):
        if s is None:
            return 0
        off = len(self.strs)
        self.strs += s.encode() + b"\0"
        return off

    def rec(self, name, kind, vlen, size_type, extra=b""):
        self.types += struct.pack("<III", self.name(name), kind << 24 | vlen, size_type) + extra

    def member(self, name, type_id, bit_off):
        return struct.pack("<III", self.name(name), type_id, bit_off)

    def raw(self):
        hdr = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(self.types), len(self.types),
                          len(self.strs))
        return hdr + self.types + self.strs


def typedef_cycle():
    b = Btf()
    b.rec("a", TYPEDEF, 0, 2)
    b.rec("b", TYPEDEF, 0, 1)
    return b.raw(), "[1] typedef 'a' -> [2] typedef 'b' -> [1] typedef 'a'"


def const_volatile_cycle():
    b = Btf()
    b.rec(None, CONST, 0, 2)
    b.rec(None, VOLATILE, 0, 1)
    return b.raw(), "[1] const -> [2] volatile -> [1] const"


def self_struct():
    b = Btf()
    b.rec("s", STRUCT, 1, 8, b.member("self", 1, 0))
    return b.raw(), "[1] struct 's' -> [1] struct 's'"


def id_out_of_range():
    b = Btf()
    b.rec(None, PTR, 0, 4242)
    return b.raw(), "its type is type [4242], but there are only 1 types"


def string_out_of_range():
    b = Btf()
    b.types += struct.pack("<III", 9999, TYPEDEF << 24, 0)
    return b.raw(), "name at string offset 9999: the string section has 1 bytes"


def vlen_past_data():
    b = Btf()
    b.rec("s", STRUCT, 500, 8)
    return b.raw(), "vlen 500 needs 6000 bytes, the type section has 0 left"


def truncated():
    b = Btf()
    b.rec("int", INT, 0, 4, struct.pack("<I", 1 << 24 | 32))
    b.rec(None, PTR, 0, 1)
    return b.raw()[:-7], "truncated BTF: header says"


def header_bomb():
    # 64 bytes of BTF, a struct of 1 GiB holding one int: 134 million lines of padding in vmlinux.h
    b = Btf()
    b.rec("int", INT, 0, 4, struct.pack("<I", 1 << 24 | 32))
    b.rec("s", STRUCT, 1, 1 << 30, b.member("x", 1, 0))
    return b.raw(), "its vmlinux.h would run to about 134217730 lines, more than the 65536 allowed"


CASES = [typedef_cycle, const_volatile_cycle, self_struct, id_out_of_range, string_out_of_range,
         vlen_past_data, truncated, header_bomb]


def main():
    out = sys.argv[1]
    for case in CASES:
        data, message = case()
        with open(f"{out}/{case.__name__}.btf", "wb") as f:
            f.write(data)
        print(f"{case.__name__}\t{message}")


if __name__ == "__main__":
    main()
