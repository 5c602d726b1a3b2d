// /proc: a file system whose inodes are made on lookup and whose files are generated when
// read (procfs/proc_text.cpp), from the process table, the allocator and the CPU:
//   /proc/self -> <pid>, /proc/<pid>/{stat,status,cmdline,comm,exe,cwd,fd/N},
//   /proc/{meminfo,cpuinfo,uptime,loadavg,stat,version,mounts,filesystems}.
// It sits above fs/ and proc/ (it reads both); fs/ knows it only through InodeOps.
#pragma once

namespace procfs {

// Creates the instance and mounts it on /proc (which must exist). 0 or -errno.
int mount_proc();

}  // namespace procfs
