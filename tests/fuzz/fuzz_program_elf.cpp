// libFuzzer target: boot/program_elf's inspect_program (which files `domus run --exec` packs)
// on arbitrary bytes, in an exactly sized heap buffer (ASan catches a read past it). A refusal
// must be Errc::bad_image naming the program; an acceptance must be an x86-64 ELF64 of type
// ET_EXEC or ET_DYN with its entry in the answer.
#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <memory>

#include "boot/program_elf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto copy = std::make_unique<uint8_t[]>(size);
    if (size) memcpy(copy.get(), data, size);
    auto r = domus::inspect_program({copy.get(), size}, "prog");
    if (!r) {
        if (r.error().code != domus::Errc::bad_image) __builtin_trap();
        if (r.error().message.rfind("'prog' ", 0) != 0) __builtin_trap();
        return 0;
    }
    if (size < sizeof(Elf64_Ehdr) || memcmp(data, ELFMAG, SELFMAG) != 0) __builtin_trap();
    Elf64_Ehdr eh;
    memcpy(&eh, data, sizeof eh);
    if (eh.e_machine != EM_X86_64 || (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)) {
        __builtin_trap();
    }
    if (r->entry != eh.e_entry || r->pie != (eh.e_type == ET_DYN)) __builtin_trap();
    return 0;
}
