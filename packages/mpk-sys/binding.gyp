{
  "targets": [
    {
      "target_name": "mpk_sys",
      "sources": [
        "src/native/module.c",
        "src/native/napi_helpers.c",
        "src/native/syscalls.c",
        "src/native/mapping.c",
        "src/native/label_table.c",
        "src/native/label_lookup.c",
        "src/native/shared_keys.c",
        "src/native/fault_reporter.c",
        "src/native/reporter_binding.c",
        "src/native/probe.c"
      ],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-fvisibility=hidden"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
