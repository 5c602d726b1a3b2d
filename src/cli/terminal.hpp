// Raw mode for `domus console`: keys go to the guest as typed (Ctrl-C included), the saved
// settings come back when the guard goes away. Output post-processing stays on, so a guest's
// "\n" still starts a new line.
#pragma once

#include <termios.h>

#include "base/result.hpp"

namespace domus::cli {

class RawTerminal {
  public:
    // Raw mode on `fd` when it is a terminal; an inactive guard otherwise (pipes, files).
    static Result<RawTerminal> enter(int fd);

    RawTerminal() = default;
    ~RawTerminal() { restore(); }
    RawTerminal(RawTerminal&& other) noexcept;
    RawTerminal& operator=(RawTerminal&& other) noexcept;
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;

    bool active() const { return fd_ >= 0; }
    // Puts the saved settings back (idempotent).
    void restore();

  private:
    int fd_ = -1;
    termios saved_{};
};

}  // namespace domus::cli
