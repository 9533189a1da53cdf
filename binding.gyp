{
  "variables": {
    "with_fuse%": "<!(pkg-config --exists fuse3 && echo 1 || echo 0)"
  },
  "targets": [
    {
      "target_name": "tiercache_io",
      "sources": ["src/native/tiercache-io.c", "src/native/crc32c.c", "src/native/ssd-writer.c", "src/native/block-file.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ],
  "conditions": [
    ["with_fuse==1", {
      "targets": [
        {
          "target_name": "tiercache_fuse",
          "sources": ["src/fuse/native/tiercache-fuse.c"],
          "cflags": ["<!@(pkg-config --cflags fuse3)", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
          "libraries": ["<!@(pkg-config --libs fuse3)"]
        }
      ]
    }]
  ]
}
