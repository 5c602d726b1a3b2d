/* The guest of the port-I/O floor (hypercall.cpp): copied to GPA 1 MiB and entered in long
 * mode with RDX = registration page GPA on the PVM host (else 0) and RBX = N.
 *
 * First the PVM registration, the few instructions the host emulates (kvm-host.md: "Emulated
 * until the guest asks for native mode"), then N one-byte `out` to port 0xe5 (each a
 * KVM_EXIT_IO round trip through the monitor), then one `out` to 0xe6: done.
 * Position independent (relative jumps only), so the bytes run wherever they are copied. */
    .section .rodata.floor_guest, "a", @progbits
    .code64
    .globl floor_guest_start, floor_guest_end
floor_guest_start:
    test %rdx, %rdx
    jz 1f
    mov %edx, %eax          /* wrmsr(0x4b564d10, EDX:EAX = GPA), flags (bits 0..11) 0 */
    shr $32, %rdx
    mov $0x4b564d10, %ecx
    wrmsr
1:  out %al, $0xe5
    dec %rbx
    jnz 1b
    out %al, $0xe6
2:  hlt
    jmp 2b
floor_guest_end:

    .section .note.GNU-stack, "", @progbits
