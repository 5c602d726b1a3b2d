// The console terminal (/dev/console, /dev/tty): a Linux-like line discipline over the
// monitor's console (output: HC_CONSOLE_WRITE; input: the console event interrupt, then
// HC_CONSOLE_READ). Canonical mode with echo and editing (erase, kill, werase), ^C/^\/^Z
// raising SIGINT/SIGQUIT/SIGTSTP in the foreground process group, ^D as end of file,
// non-canonical mode with VMIN/VTIME, and the termios, window-size and job-control ioctls.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace dev {

// Bytes typed on the console (interrupt context: no sleeping).
void tty_input(const char* data, size_t length);

// The session that owns the console (init's: 1) and its foreground group.
void tty_set_session(int32_t sid, int32_t pgrp);

}  // namespace dev
