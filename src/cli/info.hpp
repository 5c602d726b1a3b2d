// `domus info` and `domus version`.
#pragma once

namespace domus::cli {

int print_info(bool json);
void print_version();

}  // namespace domus::cli
