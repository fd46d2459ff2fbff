{
  "targets": [
    {
      "target_name": "mpk_sys",
      "sources": ["src/native/mpk_sys.c"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
