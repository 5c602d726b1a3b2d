# fuzz_config_json / fuzz_config_xl: the domain configuration parsers (src/control/domain_config*)
# on arbitrary text, checked by fuzz_config_check.cpp. Included by tests/fuzz/CMakeLists.txt.
# Boost.JSON is compiled from its headers (fuzz_config_boost_json.cpp), instrumented like the
# rest, instead of linking the g++-built system library.
find_package(Boost 1.81 REQUIRED)
file(GLOB CONFIG_FUZZ_PARSER_SOURCES CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/src/control/domain_config*.cpp)
set(CONFIG_FUZZ_SOURCES ${CONFIG_FUZZ_PARSER_SOURCES} ${CMAKE_SOURCE_DIR}/src/hostnet/addresses.cpp
    ${CMAKE_SOURCE_DIR}/src/control/cgroup_values.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_config_check.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_config_boost_json.cpp)

domus_fuzz_target(fuzz_config_json
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_config_json.cpp ${CONFIG_FUZZ_SOURCES})
domus_fuzz_target(fuzz_config_xl
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_config_xl.cpp ${CONFIG_FUZZ_SOURCES})
foreach(target fuzz_config_json fuzz_config_xl)
  target_link_libraries(${target} PRIVATE Boost::headers)
endforeach()

# Seed corpora (domus_fuzz_seed: tests/fuzz/CMakeLists.txt).
domus_fuzz_seed(fuzz_config_json minimal [=[{"name":"web1"}]=])
domus_fuzz_seed(fuzz_config_json full [=[{"name":"web1","memory":128,"vcpus":2,"kernel":"/srv/k.elf","cmdline":"a \"b\" \u00e9","on_poweroff":"preserve","on_reboot":"destroy","on_crash":"restart"}]=])
domus_fuzz_seed(fuzz_config_json types [=[{"name":"a","kernel":null,"memory":-1,"vcpus":1e3,"disk":[{"x":[1]}]}]=])
domus_fuzz_seed(fuzz_config_json patch [=[{"memory":256,"on_crash":"coredump-restart"}]=])
domus_fuzz_seed(fuzz_config_json patch_kernel [=[{"kernel":null}]=])
domus_fuzz_seed(fuzz_config_json ramdisk [=[{"name":"bb","ramdisk":"/srv/rd.cpio.gz","cmdline":"init=/bin/sh -- -c 'echo hi'"}]=])
domus_fuzz_seed(fuzz_config_json disks [=[{"name":"d","disks":[{"path":"root.img","vdev":"xvdb","read_only":true,"bytes_per_sec":1048576,"ops_per_sec":100},{"path":"/srv/images/data.img","vdev":null},{"path":"c.img","read_only":false,"bytes_per_sec":0}]}]=])
domus_fuzz_seed(fuzz_config_json disks_bad [=[{"name":"d","disks":[{"path":"a","vdev":"xvda1"},{"path":"b","vdev":"hda","colour":[{"x":1}]},"c",[],{"path":null,"read_only":1,"ops_per_sec":-1.5}]}]=])
domus_fuzz_seed(fuzz_config_json patch_disks [=[{"disks":[{"path":"a,ro","vdev":"sdg"},{"path":"b","vdev":"vda"},{"path":"c","vdev":"xvda"}]}]=])
domus_fuzz_seed(fuzz_config_json nics [=[{"name":"n","nics":[{"mac":"00:16:3E:00:00:01","ip":"10.77.0.2","bridge":"domus0","vifname":"v0","rx_bytes_per_sec":1,"tx_bytes_per_sec":2},{},{"mac":null,"ip":"10.77.0.02","tap":"x"},{"stats":{"rx":[1]}}]}]=])
domus_fuzz_seed(fuzz_config_json exec [=[{"name":"x","exec":{"program":"bin/hello","args":["a b","","-c","\u00e9"],"with_busybox":true,"overlay":"site"}}]=])
domus_fuzz_seed(fuzz_config_json exec_bad [=[{"name":"x","ramdisk":"r","exec":{"program":"","args":[1,[2],{"a":3}],"with_busybox":1,"overlay":"","argv":[]},"exec":null}]=])
domus_fuzz_seed(fuzz_config_json dup [=[{"name":"Domain-0","name":"x","memory":18446744073709551616}]=])
domus_fuzz_seed(fuzz_config_xl exec [=[name = "x"
exec = "bin/hello"
exec_args = [ "a", 'b c', "\x00", 7 ]
exec_busybox = 1
exec_overlay = "site"
exec_args = []
]=])
domus_fuzz_seed(fuzz_config_xl realistic [=[# xl.cfg
name = "web-01.example"
kernel = '/var/lib/domus/kernels/web.elf'
extra = "console=hvc0 \"q\" \x41\101\t"
memory = 0x200     # MiB
vcpus = 2
on_poweroff = 'destroy'; on_reboot = 'restart'
on_crash    = 'preserve'
]=])
domus_fuzz_seed(fuzz_config_xl ramdisk [=[name = "bb"
ramdisk = "/srv/rd.cpio.gz"
extra = "init=/bin/sh -- -c 'echo hi'"
]=])
domus_fuzz_seed(fuzz_config_xl lists [=[name='a';memory=64;vcpus=1;cmdline='x'
disk = [ 'phy:/dev/vg0/a,xvda,w',
         'file:/srv/iso,xvdc:cdrom,r',   # a CD
       ]
vif = [ 'bridge=xenbr0', ]
]=])
domus_fuzz_seed(fuzz_config_xl disks [=[name = "d"
disk = [ 'root.img,raw,xvda,rw', "format=raw, vdev=xvdb, access=ro, target=/srv/a,b.img",
         'file:/srv/images/c.img,hdc,w', 'tap:aio:d.img,xvdd,r', 'aio:e.img',
         'vdev=xvdf, devtype=disk, no-discard, access=w, target=f.img' ]
]=])
domus_fuzz_seed(fuzz_config_xl disks_refused [=[name = "d"
disk = [ 'phy:/dev/sdb,xvdb,w', 'qcow2:/a.qcow2,,xvda', '/a.iso,,hdc,cdrom', 'a,raw,xvda1,w!',
         'script=block-iscsi,backendtype=qdisk,colo-host=h,discard,target=', ',,xvdz' ]
]=])
domus_fuzz_seed(fuzz_config_xl vifs [=[name = "n"
vif = [ 'mac=00:16:3E:00:00:01, bridge=domus0, ip=10.77.0.2, vifname=v0, rate=10Mb/s, type=vif',
        '', 'model=virtio-net,ip=10.77.0.3', 'script=vif-route,gatewaydev=eth0,rate=1KB/s@20ms' ]
]=])
domus_fuzz_seed(fuzz_config_xl errors [=[name = "a"
memory = [[1]]
memory += 010
on_crash = "rename-restart"
device_model_version = "qemu-xen"
]=])

# Dictionaries for manual runs (`fuzz_config_json -dict=fuzz_config_json.dict ...`).
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/fuzz_config_json.dict
     "\"{\"\n\"}\"\n\"[\"\n\"]\"\n\":\"\n\",\"\n\"null\"\n\"true\"\n\"-1\"\n\"1e3\"\n\"0.5\"\n"
     "\"\\\"name\\\"\"\n\"\\\"memory\\\"\"\n\"\\\"vcpus\\\"\"\n\"\\\"kernel\\\"\"\n"
     "\"\\\"ramdisk\\\"\"\n\"\\\"cmdline\\\"\"\n\"\\\"on_poweroff\\\"\"\n\"\\\"on_reboot\\\"\"\n\"\\\"on_crash\\\"\"\n"
     "\"\\\"destroy\\\"\"\n\"\\\"restart\\\"\"\n\"\\\"preserve\\\"\"\n\"\\\\u0000\"\n\"\\\\ud800\"\n"
     "\"\\\"disks\\\"\"\n\"\\\"path\\\"\"\n\"\\\"vdev\\\"\"\n\"\\\"read_only\\\"\"\n"
     "\"\\\"bytes_per_sec\\\"\"\n\"\\\"ops_per_sec\\\"\"\n\"\\\"xvda\\\"\"\n\"\\\"hdb\\\"\"\n\"false\"\n")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/fuzz_config_xl.dict
     "\"=\"\n\";\"\n\"#\"\n\"[\"\n\"]\"\n\",\"\n\"\\\"\"\n\"'\"\n\"0x\"\n\"-\"\n\"\\\\x\"\n\"\\\\0\"\n"
     "\"name\"\n\"memory\"\n\"vcpus\"\n\"kernel\"\n\"ramdisk\"\n\"cmdline\"\n\"extra\"\n\"on_poweroff\"\n"
     "\"on_reboot\"\n\"on_crash\"\n\"disk\"\n\"'destroy'\"\n\"'restart'\"\n\"'preserve'\"\n"
     "\"target=\"\n\"format=raw\"\n\"vdev=\"\n\"access=\"\n\"devtype=\"\n\"xvda\"\n\"hdc\"\n\"sdb\"\n"
     "\"file:\"\n\"tap:aio:\"\n\"phy:\"\n\",raw,\"\n\",ro\"\n\",w\"\n\"cdrom\"\n\"no-discard\"\n"
     "\"vif\"\n\"mac=\"\n\"ip=\"\n\"bridge=\"\n\"vifname=\"\n\"rate=\"\n\"Mb/s\"\n\"type=vif\"\n")
domus_fuzz_seed(fuzz_config_xl sched [=[name = "s"
cpu_weight = 512
cap = 0x32
cpus = "0-3,^1,all,^2-3"
]=])
domus_fuzz_seed(fuzz_config_json sched [=[{"name":"s","cpu_weight":65535,"cap":6400,"cpus":"^0,nodes:1"}]=])
