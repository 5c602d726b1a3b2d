// Errors as values: Result<T> holds either a T or an Error with a message that names the bad
// value. Nothing a guest or a user sends may abort a process, so fallible paths return these.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace domus {

enum class Errc {
    invalid_argument,  // a user-supplied value is out of range or malformed
    bad_image,         // a kernel image failed validation
    out_of_range,      // an address or length falls outside guest memory
    not_found,         // a file or object does not exist
    io,                // a read/write/open failed
    kvm,               // a KVM ioctl failed
    unsupported,       // the host lacks a needed capability
    resource,          // the host cannot give what was asked (memory, vCPUs)
    timeout,           // a peer (a monitor) did not answer within the time allowed
    no_space,          // the file system holding the data is full
};

struct Error {
    Errc code;
    std::string message;
};

inline Error make_error(Errc code, std::string message) {
    return Error{code, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) {}  // NOLINT

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return std::get<0>(v_); }
    const T& operator*() const& { return std::get<0>(v_); }

    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

  private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : err_(std::move(error)), ok_(false) {}  // NOLINT

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const& { return err_; }
    Error&& error() && { return std::move(err_); }

  private:
    Error err_{};
    bool ok_ = true;
};

using Status = Result<void>;

}  // namespace domus
