{
  "targets": [
    {
      "target_name": "tiercache_fuse",
      "sources": ["src/fuse/native/tiercache-fuse.c"],
      "cflags": ["<!@(pkg-config --cflags fuse3)", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["<!@(pkg-config --libs fuse3)"]
    }
  ]
}
