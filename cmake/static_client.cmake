# The static eucc-remote (-DEUCC_STATIC_CLIENT=ON): the client alone, linked with -static from
# Debian's static archives, so that the binary needs no shared library and no program
# interpreter (docs/eucc-remote.md, "The static build").
#
#   libbpf.a, libelf.a, libz.a, libssl.a,   Debian's -dev packages (for arm64: their :arm64 ones)
#   libcrypto.a, libcares.a
#   libcjson.a                              built by scripts/setup.sh from Debian's cjson source
#                                           into EUCC_STATIC_DEPS (Debian ships no libcjson.a)
#   libcurl.a                               built by scripts/setup.sh from Debian's curl source
#                                           (Debian's own libcurl.a needs gssapi, shared only):
#                                           HTTP(S), OpenSSL, the c-ares resolver (no NSS)
#
# Debian 12's libelf is built without zstd (its libelf.so.1 needs only libz), so libelf.a wants
# no libzstd.a.
#
# The targets below carry the names that pkg-config gives them in the normal build, so that
# common/, core/ and client/ link them the same way in both builds.
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(eucc_triplet ${CMAKE_LIBRARY_ARCHITECTURE})
else()
  set(eucc_triplet ${CMAKE_SYSTEM_PROCESSOR}-linux-gnu)
endif()
set(EUCC_STATIC_DEPS "/opt/eucc-static/${eucc_triplet}" CACHE PATH
  "where scripts/setup.sh put libcjson.a and cjson/cJSON.h for this target")

function(eucc_static_archive var name)
  find_library(${var} NAMES lib${name}.a
    PATHS ${EUCC_STATIC_DEPS}/lib /usr/lib/${eucc_triplet} /lib/${eucc_triplet}
    NO_DEFAULT_PATH)
  if(NOT ${var})
    message(FATAL_ERROR "no lib${name}.a for ${eucc_triplet} (EUCC_STATIC_DEPS=${EUCC_STATIC_DEPS}):"
      " run scripts/setup.sh, which installs the static archives and builds libcjson.a")
  endif()
endfunction()

eucc_static_archive(EUCC_LIBBPF_A bpf)
eucc_static_archive(EUCC_LIBELF_A elf)
eucc_static_archive(EUCC_LIBZ_A z)
eucc_static_archive(EUCC_LIBCRYPTO_A crypto)
eucc_static_archive(EUCC_LIBCJSON_A cjson)
eucc_static_archive(EUCC_LIBCURL_A curl)
eucc_static_archive(EUCC_LIBSSL_A ssl)
eucc_static_archive(EUCC_LIBCARES_A cares)
foreach(header cjson/cJSON.h curl/curl.h)
  if(NOT EXISTS "${EUCC_STATIC_DEPS}/include/${header}")
    message(FATAL_ERROR "no ${EUCC_STATIC_DEPS}/include/${header}: run scripts/setup.sh")
  endif()
endforeach()

add_library(PkgConfig::ZLIB INTERFACE IMPORTED)
set_target_properties(PkgConfig::ZLIB PROPERTIES INTERFACE_LINK_LIBRARIES "${EUCC_LIBZ_A}")
add_library(PkgConfig::LIBELF INTERFACE IMPORTED)
set_target_properties(PkgConfig::LIBELF PROPERTIES
  INTERFACE_LINK_LIBRARIES "${EUCC_LIBELF_A};PkgConfig::ZLIB")
add_library(PkgConfig::LIBBPF INTERFACE IMPORTED)
set_target_properties(PkgConfig::LIBBPF PROPERTIES
  INTERFACE_LINK_LIBRARIES "${EUCC_LIBBPF_A};PkgConfig::LIBELF;PkgConfig::ZLIB")
add_library(PkgConfig::LIBCRYPTO INTERFACE IMPORTED)
set_target_properties(PkgConfig::LIBCRYPTO PROPERTIES
  INTERFACE_LINK_LIBRARIES "${EUCC_LIBCRYPTO_A};pthread")
add_library(PkgConfig::LIBCURL INTERFACE IMPORTED)
set_target_properties(PkgConfig::LIBCURL PROPERTIES
  INTERFACE_LINK_LIBRARIES "${EUCC_LIBCURL_A};${EUCC_LIBCARES_A};${EUCC_LIBSSL_A};${EUCC_LIBCRYPTO_A};${EUCC_LIBZ_A};pthread"
  INTERFACE_INCLUDE_DIRECTORIES "${EUCC_STATIC_DEPS}/include"
  INTERFACE_COMPILE_DEFINITIONS CURL_STATICLIB)
add_library(PkgConfig::CJSON INTERFACE IMPORTED)
# Its own include dir is searched first: the headers of the very sources the archives were made of.
set_target_properties(PkgConfig::CJSON PROPERTIES
  INTERFACE_LINK_LIBRARIES "${EUCC_LIBCJSON_A};m"
  INTERFACE_INCLUDE_DIRECTORIES "${EUCC_STATIC_DEPS}/include")

# No shared library at all, no interpreter; unused functions and data dropped.
add_compile_options(-ffunction-sections -fdata-sections)
add_link_options(-static -Wl,--gc-sections)
