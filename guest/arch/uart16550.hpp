// COM1 (16550 UART at 0x3f8): the console on the PVH path (QEMU -serial).
#pragma once

#include <stddef.h>

void uart_init();
void uart_write(const char* text, size_t length);  // "\n" becomes "\r\n"
