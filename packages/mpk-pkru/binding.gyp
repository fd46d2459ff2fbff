{
  "targets": [
    {
      "target_name": "mpk_pkru",
      "sources": ["src/native/mpk_pkru.c"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
