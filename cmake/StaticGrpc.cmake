# nv_grpc: gRPC + protobuf for whoever links the etcd client, shared or static per target.
#
# A target with the property NINEVOLT_STATIC_GRPC set links gRPC, protobuf, abseil, re2,
# c-ares and upb as static archives (Debian ships them; Apache-2.0, BSD and MIT licences
# allow it); every other target links the shared libraries. Only the 9volt binary sets it:
# its RSS drops by ~3.8 MiB (20.1 -> 16.3 MiB for an idle server) because the dynamic
# symbol tables of libgrpc, libprotobuf and libgrpc++ (~2.5 MiB, read by every symbol lookup
# at start) and the relocated GOT and data pages of 44 more libraries are gone, and only
# the code that runs is paged in (bench/README.md, "Where idle RSS goes"). Test binaries
# keep the shared libraries: 30 of them at +11 MB each would slow every build and link.
#
# OpenSSL, zlib and the C runtime stay shared: other processes map them too.
option(NINEVOLT_STATIC_GRPC "link gRPC, protobuf and abseil statically into the 9volt binary" ON)

add_library(nv_grpc INTERFACE)
set(_nv_static "$<BOOL:$<TARGET_PROPERTY:NINEVOLT_STATIC_GRPC>>")
target_link_libraries(nv_grpc INTERFACE "$<$<NOT:${_nv_static}>:protobuf::libprotobuf;gRPC::grpc++>")

if(NINEVOLT_STATIC_GRPC)
  find_package(PkgConfig REQUIRED)
  # The static link line of grpc++ and protobuf as their .pc files give it.
  pkg_check_modules(NV_GRPC_PC REQUIRED grpc++ protobuf)
  set(_nv_archives "")
  set(_nv_system "")
  set(_nv_missing "")
  foreach(lib IN LISTS NV_GRPC_PC_STATIC_LIBRARIES)
    if(lib MATCHES "^(ssl|crypto|z|dl|rt|m|atomic|pthread)$")
      list(APPEND _nv_system ${lib})
      continue()
    endif()
    find_library(NV_ARCHIVE_${lib} NAMES lib${lib}.a NO_CACHE)
    if(NV_ARCHIVE_${lib})
      list(APPEND _nv_archives ${NV_ARCHIVE_${lib}})
    else()
      list(APPEND _nv_missing lib${lib}.a)
    endif()
  endforeach()
  list(REMOVE_DUPLICATES _nv_archives)
  list(REMOVE_DUPLICATES _nv_system)
  if(_nv_missing)
    message(FATAL_ERROR "NINEVOLT_STATIC_GRPC: missing ${_nv_missing} (install the -dev "
                        "packages, or configure with -DNINEVOLT_STATIC_GRPC=OFF)")
  endif()
  # RESCAN: the archives refer to each other in cycles (abseil); one group resolves them in
  # any order.
  string(REPLACE ";" "," _nv_archives_csv "${_nv_archives}")
  target_link_libraries(nv_grpc INTERFACE
    "$<${_nv_static}:$<LINK_GROUP:RESCAN,${_nv_archives_csv}>>"
    "$<${_nv_static}:${_nv_system}>")
endif()
