// Monitor events while programs run: the monitor raises VECTOR_EVENT on vCPU 0 whenever it
// posts DOMUS_EVENT_* (DOMUS_HC_EVENT_IRQ); the handler fetches them with a non-blocking
// HC_BLOCK and feeds console input to the tty, a shutdown request to init as SIGTERM and a
// reboot request as SIGINT (Linux's ctrl-alt-del).
#pragma once

// On vCPU 0 once its LAPIC is enabled (an MSI to a disabled LAPIC is lost).
void console_events_init();
