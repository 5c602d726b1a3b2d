#include "dev/tty.hpp"

#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "dev/devices.hpp"
#include "fs/special.hpp"
#include "ipc/poll_wait.hpp"
#include "kernel/platform.hpp"
#include "kernel/string.hpp"
#include "kernel/time.hpp"
#include "mm/usercopy.hpp"
#include "proc/process.hpp"
#include "proc/task.hpp"
#include "syscalls/dispatch.hpp"

namespace dev {

namespace {

using namespace linux_errno;

// Kernel struct termios (asm-generic/termbits.h): NCCS = 19.
struct Termios {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
};
static_assert(sizeof(Termios) == 36);

enum Cc {
    VINTR = 0,
    VQUIT,
    VERASE,
    VKILL,
    VEOF,
    VTIME,
    VMIN,
    VSWTC,
    VSTART,
    VSTOP,
    VSUSP,
    VEOL,
    VREPRINT,
    VDISCARD,
    VWERASE,
    VLNEXT,
    VEOL2
};
constexpr uint32_t ICRNL = 0x100, INLCR = 0x40, IGNCR = 0x80, IXON = 0x400;
constexpr uint32_t OPOST = 0x1, ONLCR = 0x4;
constexpr uint32_t ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20, ECHONL = 0x40,
                   ECHOCTL = 0x200, ECHOKE = 0x800, IEXTEN = 0x8000;

constexpr size_t kInputMax = 4096;

struct Tty {
    SpinLock lock;
    Termios termios{};
    uint16_t rows = 24, cols = 80;
    int32_t sid = 1, pgrp = 1;
    char line[kInputMax]{};  // canonical: the line being edited
    size_t line_len = 0;
    char ready[kInputMax]{};  // bytes readers may take (ring)
    size_t ready_head = 0, ready_len = 0;
    uint32_t eof_pending = 0;  // ^D on an empty line: the next read returns 0
    WaitQueue readers;
};

constinit Tty g_tty;  // defaults filled by register_console (no constructor runs)

void init_defaults() {
    Termios& t = g_tty.termios;
    t.iflag = ICRNL | IXON;
    t.oflag = OPOST | ONLCR;
    t.cflag = 0x00bf;  // B38400 | CS8 | CREAD | HUPCL
    t.lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
    const uint8_t cc[19] = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0};
    memcpy(t.cc, cc, sizeof(cc));
}

// Output with OPOST/ONLCR, in console-sized pieces.
void emit(const char* data, size_t length) {
    char out[512];
    size_t n = 0;
    const bool crlf = (g_tty.termios.oflag & (OPOST | ONLCR)) == (OPOST | ONLCR);
    for (size_t i = 0; i < length; ++i) {
        if (n + 2 > sizeof(out)) {
            platform_console_write(out, n);
            n = 0;
        }
        if (data[i] == '\n' && crlf) out[n++] = '\r';
        out[n++] = data[i];
    }
    if (n) platform_console_write(out, n);
}

void echo_char(char c) {
    const uint32_t lflag = g_tty.termios.lflag;
    if (!(lflag & ECHO)) {
        if (c == '\n' && (lflag & ECHONL)) emit("\n", 1);
        return;
    }
    if ((lflag & ECHOCTL) && uint8_t(c) < 32 && c != '\n' && c != '\t') {
        const char seq[2] = {'^', char(c + 64)};
        emit(seq, 2);
    } else {
        emit(&c, 1);
    }
}

void push_ready(const char* data, size_t length) {
    for (size_t i = 0; i < length && g_tty.ready_len < kInputMax; ++i) {
        g_tty.ready[(g_tty.ready_head + g_tty.ready_len) % kInputMax] = data[i];
        ++g_tty.ready_len;
    }
}

void signal_foreground(int signo) {
    LockGuard guard(proc::lock());
    for (Process* p = proc::first(); p; p = proc::next(p)) {
        if (p->pgid == g_tty.pgrp && !p->zombie) {
            proc::send_to_process(p, signo, SigInfo{signo, sig::SI_KERNEL, 0, 0, 0});
        }
    }
}

void erase_chars(size_t count) {
    while (count-- > 0 && g_tty.line_len > 0) {
        const char c = g_tty.line[--g_tty.line_len];
        if (g_tty.termios.lflag & ECHO) {
            const bool ctl = (g_tty.termios.lflag & ECHOCTL) && uint8_t(c) < 32 && c != '\t';
            emit(ctl ? "\b\b  \b\b" : "\b \b", ctl ? 6 : 3);
        }
    }
}

// One input byte; lock held. Returns a signal to raise (after unlocking), or 0.
int input_byte(char c) {
    Termios& t = g_tty.termios;
    if (c == '\r' && (t.iflag & IGNCR)) return 0;
    if (c == '\r' && (t.iflag & ICRNL))
        c = '\n';
    else if (c == '\n' && (t.iflag & INLCR))
        c = '\r';
    if (t.lflag & ISIG) {
        int signo = 0;
        if (c == char(t.cc[VINTR])) signo = sig::SIGINT;
        if (c == char(t.cc[VQUIT])) signo = sig::SIGQUIT;
        if (c == char(t.cc[VSUSP])) signo = sig::SIGTSTP;
        if (signo) {
            echo_char(c);
            g_tty.line_len = 0;
            g_tty.ready_len = 0;
            return signo;
        }
    }
    if (!(t.lflag & ICANON)) {
        push_ready(&c, 1);
        echo_char(c);
        return 0;
    }
    if (c == char(t.cc[VERASE]) || c == '\b') {
        erase_chars(1);
        return 0;
    }
    if (c == char(t.cc[VKILL])) {
        erase_chars(g_tty.line_len);
        return 0;
    }
    if (c == char(t.cc[VWERASE]) && (t.lflag & IEXTEN)) {
        while (g_tty.line_len > 0 && g_tty.line[g_tty.line_len - 1] == ' ') erase_chars(1);
        while (g_tty.line_len > 0 && g_tty.line[g_tty.line_len - 1] != ' ') erase_chars(1);
        return 0;
    }
    if (c == char(t.cc[VEOF])) {
        if (g_tty.line_len == 0) {
            ++g_tty.eof_pending;
        } else {
            push_ready(g_tty.line, g_tty.line_len);
            g_tty.line_len = 0;
        }
        return 0;
    }
    if (g_tty.line_len < kInputMax - 1 || c == '\n') {
        if (g_tty.line_len < kInputMax) g_tty.line[g_tty.line_len++] = c;
        echo_char(c);
    }
    if (c == '\n' || (t.cc[VEOL] && c == char(t.cc[VEOL]))) {
        push_ready(g_tty.line, g_tty.line_len);
        g_tty.line_len = 0;
    }
    return 0;
}

bool readable_locked() {
    return g_tty.ready_len > 0 || g_tty.eof_pending > 0;
}

int64_t tty_read(fs::File* f, void* buf, size_t len) {
    if (len == 0) return 0;
    g_tty.lock.lock();
    const bool canonical = (g_tty.termios.lflag & ICANON) != 0;
    const uint8_t vmin = g_tty.termios.cc[VMIN], vtime = g_tty.termios.cc[VTIME];
    uint64_t deadline = 0;
    if (!canonical && vtime) deadline = time_monotonic_ns() + uint64_t(vtime) * 100'000'000;
    while (!readable_locked()) {
        if ((fs::file_get_flags(f) & linux_abi::oflag::NONBLOCK) ||
            (!canonical && vmin == 0 && vtime == 0)) {
            g_tty.lock.unlock();
            return canonical || vmin ? -EAGAIN : 0;
        }
        const int r = sched::wait(g_tty.readers, g_tty.lock, deadline);
        if (r == -EINTR) {
            g_tty.lock.unlock();
            return -syscalls::kRestartSys;
        }
        if (r == -ETIMEDOUT) {
            g_tty.lock.unlock();
            return 0;
        }
    }
    if (g_tty.ready_len == 0) {  // end of file (^D on an empty line)
        --g_tty.eof_pending;
        g_tty.lock.unlock();
        return 0;
    }
    char* out = static_cast<char*>(buf);
    size_t n = 0;
    while (n < len && g_tty.ready_len > 0) {
        const char c = g_tty.ready[g_tty.ready_head];
        g_tty.ready_head = (g_tty.ready_head + 1) % kInputMax;
        --g_tty.ready_len;
        out[n++] = c;
        if (canonical && c == '\n') break;  // one line per read
    }
    g_tty.lock.unlock();
    return int64_t(n);
}

int64_t tty_write(fs::File*, const void* buf, size_t len) {
    LockGuard guard(g_tty.lock);
    emit(static_cast<const char*>(buf), len);
    return int64_t(len);
}

uint32_t tty_poll(fs::File*) {
    LockGuard guard(g_tty.lock);
    return (readable_locked() ? linux_abi::poll_event::IN : 0) | linux_abi::poll_event::OUT;
}

int64_t tty_ioctl(fs::File*, uint32_t cmd, uint64_t arg) {
    constexpr uint32_t TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404,
                       TCFLSH = 0x540b, TIOCSCTTY = 0x540e, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410,
                       TIOCOUTQ = 0x5411, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414,
                       FIONREAD = 0x541b, TIOCNOTTY = 0x5422, TIOCGSID = 0x5429, TCXONC = 0x540a,
                       TCSBRK = 0x5409, TIOCGPTN = 0x80045430;
    switch (cmd) {
        case TCGETS: {
            Termios t;
            {
                LockGuard guard(g_tty.lock);
                t = g_tty.termios;
            }
            return copy_to_user(arg, &t, sizeof(t)) == 0 ? 0 : -EFAULT;
        }
        case TCSETS:
        case TCSETSW:
        case TCSETSF: {
            Termios t;
            if (copy_from_user(&t, arg, sizeof(t)) != 0) return -EFAULT;
            LockGuard guard(g_tty.lock);
            const bool was_canonical = g_tty.termios.lflag & ICANON;
            g_tty.termios = t;
            if (cmd == TCSETSF) g_tty.ready_len = g_tty.line_len = 0;
            if (was_canonical && !(t.lflag & ICANON) && g_tty.line_len) {
                push_ready(g_tty.line, g_tty.line_len);  // the partial line becomes input
                g_tty.line_len = 0;
            }
            sched::wake_all(g_tty.readers);
            return 0;
        }
        case TIOCGWINSZ: {
            uint16_t ws[4];
            {
                LockGuard guard(g_tty.lock);
                ws[0] = g_tty.rows;
                ws[1] = g_tty.cols;
            }
            ws[2] = ws[3] = 0;
            return copy_to_user(arg, ws, sizeof(ws)) == 0 ? 0 : -EFAULT;
        }
        case TIOCSWINSZ: {
            uint16_t ws[4];
            if (copy_from_user(ws, arg, sizeof(ws)) != 0) return -EFAULT;
            LockGuard guard(g_tty.lock);
            g_tty.rows = ws[0];
            g_tty.cols = ws[1];
            return 0;
        }
        case TIOCGPGRP: {
            const int32_t pgrp = g_tty.pgrp;
            return put_user(arg, pgrp) == 0 ? 0 : -EFAULT;
        }
        case TIOCSPGRP: {
            int32_t pgrp;
            if (get_user(&pgrp, arg) != 0) return -EFAULT;
            if (pgrp <= 0) return -EINVAL;
            g_tty.pgrp = pgrp;
            return 0;
        }
        case TIOCGSID: {
            const int32_t sid = g_tty.sid;
            return put_user(arg, sid) == 0 ? 0 : -EFAULT;
        }
        case TIOCSCTTY:
        case TIOCNOTTY:
        case TCXONC:
        case TCSBRK:
            return 0;
        case TCFLSH: {
            LockGuard guard(g_tty.lock);
            if (arg == 0 || arg == 2) g_tty.ready_len = g_tty.line_len = 0;
            return 0;
        }
        case TIOCOUTQ:
            return put_user(arg, int32_t(0)) == 0 ? 0 : -EFAULT;
        case FIONREAD: {
            const int32_t n = int32_t(g_tty.ready_len);
            return put_user(arg, n) == 0 ? 0 : -EFAULT;
        }
        case TIOCGPTN:
        default:
            return -ENOTTY;
    }
}

const fs::FileOps kTtyOps = {tty_read, tty_write, nullptr,  nullptr, nullptr,
                             nullptr,  tty_ioctl, tty_poll, nullptr};
const fs::CharDevice kConsole{&kTtyOps, nullptr};

}  // namespace

void tty_input(const char* data, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        g_tty.lock.lock();
        const int signo = input_byte(data[i]);
        if (readable_locked()) sched::wake_all(g_tty.readers);
        g_tty.lock.unlock();
        if (signo) signal_foreground(signo);
    }
    ipc::poll_wake_all();
}

void tty_set_session(int32_t sid, int32_t pgrp) {
    LockGuard guard(g_tty.lock);
    g_tty.sid = sid;
    g_tty.pgrp = pgrp;
}

int register_console() {
    init_defaults();
    int r = fs::chardev_register(5, 0, 2, &kConsole);          // 5:0 /dev/tty, 5:1 /dev/console
    if (r == 0) r = fs::chardev_register(4, 0, 1, &kConsole);  // 4:0 /dev/tty0
    return r;
}

}  // namespace dev
