{
  # The MPI binding (src/mpi/native.ts loads it). Flags come from the MPI compiler wrapper, so the
  # same file builds against OpenMPI and MPICH; scripts/build-mpi.mjs runs node-gyp on it.
  "targets": [
    {
      "target_name": "dd_mpi",
      "sources": ["mpi_binding.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "OMPI_SKIP_MPICXX=1", "MPICH_SKIP_MPICXX=1"],
      "cflags_cc": ["<!@(node ../scripts/build-mpi.mjs --flags compile)"],
      "libraries": ["<!@(node ../scripts/build-mpi.mjs --flags link)", "-ldl"]
    }
  ]
}
