// Disk images: disk-create (mke2fs into the first image dir) and the listing with their users.
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "control/controller_internal.hpp"
#include "control/image_create.hpp"
#include "control/image_paths.hpp"

namespace domus::control {
namespace {

std::string real_path(const std::string& path) {
    char buf[PATH_MAX];
    return ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : std::string();
}

}  // namespace

ApiResult<ImageView> ControllerImpl::create_image(const ImageRequest& request) {
    std::string from;
    if (!request.from_dir.empty()) {
        auto dir = resolve_image_subdir(image_dirs_, request.from_dir);
        if (!dir) return api_error(400, "invalid_field", dir.error().message, "from_dir");
        from = *dir;
    }
    std::lock_guard lock(images_mu_);
    const Status st =
        create_ext2_image(find_mke2fs(), image_dirs_.front(), request.name, request.size, from);
    if (!st) {
        switch (st.error().code) {
            case Errc::invalid_argument:
                return api_error(409, "conflict", st.error().message, "name");
            case Errc::unsupported:
                return api_error(503, "unavailable", st.error().message);
            default:
                return api_error(500, "internal", st.error().message);
        }
    }
    ImageView v;
    v.name = request.name;
    v.path = image_dirs_.front() + "/" + request.name;
    v.size_bytes = request.size;
    return v;
}

ApiResult<std::vector<ImageView>> ControllerImpl::list_images() {
    // Which resolved image each domain's disks name (stat/realpath only, as everywhere).
    std::map<std::string, std::vector<std::string>> users;
    for (const auto& rec : table_->list()) {
        for (const auto& d : rec.config.disks) {
            const std::string full =
                !d.path.empty() && d.path[0] == '/' ? d.path : image_dirs_.front() + "/" + d.path;
            const std::string resolved = real_path(full);
            if (resolved.empty()) continue;
            auto& names = users[resolved];
            if (std::find(names.begin(), names.end(), rec.config.name) == names.end()) {
                names.push_back(rec.config.name);
            }
        }
    }
    std::vector<ImageView> out;
    for (const auto& dir : image_dirs_) {
        std::error_code ec;
        std::vector<ImageView> here;
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            const std::string name = entry.path().filename().string();
            if (name.empty() || name[0] == '.') continue;
            struct stat st {};
            const std::string path = dir + "/" + name;
            if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
            const std::string resolved = real_path(path);
            const bool inside =
                std::any_of(image_dirs_.begin(), image_dirs_.end(),
                            [&](const auto& d) { return path_within(d, resolved); });
            if (resolved.empty() || !inside) continue;  // a symlink out
            ImageView v;
            v.name = name;
            v.path = path;
            v.size_bytes = static_cast<uint64_t>(st.st_size);
            if (auto it = users.find(resolved); it != users.end()) v.used_by = it->second;
            here.push_back(std::move(v));
        }
        if (ec) return api_error(500, "internal", "cannot list " + dir + ": " + ec.message());
        std::sort(here.begin(), here.end(),
                  [](const ImageView& a, const ImageView& b) { return a.name < b.name; });
        out.insert(out.end(), here.begin(), here.end());
    }
    return out;
}

}  // namespace domus::control
