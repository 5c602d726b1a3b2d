// A temporary directory removed with everything in it at the end of a test.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace domus::api::test {

class TempDir {
  public:
    TempDir() {
        char tmpl[] = "/tmp/domus-api-XXXXXX";
        if (::mkdtemp(tmpl)) path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

}  // namespace domus::api::test
