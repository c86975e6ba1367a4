// The MPI binding: the few MPI calls the downloader needs, for one communicator (MPI_COMM_WORLD).
//
// Collectives are non-blocking (MPI_Iallreduce, MPI_Ibarrier) and completed by polling test() from
// the JavaScript event loop, so a rank waiting for a late one keeps serving its sockets. At most one
// collective is in flight at a time: two on one communicator can silently mix up their results, so a
// second start is refused here as well as serialized in TypeScript. All calls come from the main
// thread, which is what MPI_THREAD_FUNNELED promises.
#include <mpi.h>
#include <napi.h>
#include <dlfcn.h>

#include <string>

namespace {

// The collective in flight: its request and the arrays MPI reads and writes until it completes,
// referenced so the garbage collector keeps them (and their memory) alive meanwhile.
struct Pending {
  MPI_Request request = MPI_REQUEST_NULL;
  Napi::Reference<Napi::Float64Array> send;
  Napi::Reference<Napi::Float64Array> recv;
  bool active = false;
};

// Never destroyed: a Reference released after Node has torn its environment down would crash the exit.
Pending& pending = *new Pending();

Napi::Value Fail(Napi::Env env, const std::string& what) {
  Napi::Error::New(env, what).ThrowAsJavaScriptException();
  return env.Undefined();
}

std::string MpiError(const char* call, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return std::string(call) + " failed";
  return std::string(call) + " failed: " + std::string(text, static_cast<size_t>(length));
}

bool IsInitialized() {
  int flag = 0;
  MPI_Initialized(&flag);
  return flag != 0;
}

bool IsFinalized() {
  int flag = 0;
  MPI_Finalized(&flag);
  return flag != 0;
}

// Node loads addons without RTLD_GLOBAL, so the MPI library's symbols stay private to this addon;
// OpenMPI's plugins, loaded later by MPI_Init, need them global. Reopen the library that holds
// MPI_Init with RTLD_GLOBAL (RTLD_NOLOAD: it is already loaded) — harmless where not needed.
void PromoteMpiSymbols() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&MPI_Init), &info) != 0 && info.dli_fname != nullptr) {
    dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  }
}

// init(level: 0 single | 1 funneled | 2 serialized | 3 multiple) → the level MPI provides.
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (IsFinalized()) return Fail(env, "MPI was already finalized");
  static const int levels[] = {MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED, MPI_THREAD_MULTIPLE};
  int requested = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  if (requested < 0 || requested > 3) return Fail(env, "thread level must be 0..3");
  int provided = MPI_THREAD_SINGLE;
  if (IsInitialized()) {
    MPI_Query_thread(&provided);
  } else {
    PromoteMpiSymbols();
    int rc = MPI_Init_thread(nullptr, nullptr, levels[requested], &provided);
    if (rc != MPI_SUCCESS) return Fail(env, MpiError("MPI_Init_thread", rc));
    // Errors come back as codes (thrown to JavaScript) instead of aborting inside the library.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  }
  for (int i = 0; i < 4; i++) {
    if (levels[i] == provided) return Napi::Number::New(env, i);
  }
  return Napi::Number::New(env, 0);
}

bool RequireReady(Napi::Env env) {
  if (!IsInitialized() || IsFinalized()) {
    Fail(env, "MPI is not initialized (or already finalized)");
    return false;
  }
  return true;
}

Napi::Value Rank(const Napi::CallbackInfo& info) {
  if (!RequireReady(info.Env())) return info.Env().Undefined();
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return Napi::Number::New(info.Env(), rank);
}

Napi::Value Size(const Napi::CallbackInfo& info) {
  if (!RequireReady(info.Env())) return info.Env().Undefined();
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return Napi::Number::New(info.Env(), size);
}

bool RequireIdle(Napi::Env env) {
  if (!RequireReady(env)) return false;
  if (pending.active) {
    Fail(env, "a collective is already in flight; wait for it before starting another");
    return false;
  }
  return true;
}

// startAllreduce(send, recv, op: 0 sum | 1 max | 2 min): begins MPI_Iallreduce over float64.
Napi::Value StartAllreduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!RequireIdle(env)) return env.Undefined();
  if (info.Length() < 3 || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsNumber()) {
    return Fail(env, "startAllreduce(send: Float64Array, recv: Float64Array, op: number)");
  }
  Napi::TypedArray sendAny = info[0].As<Napi::TypedArray>();
  Napi::TypedArray recvAny = info[1].As<Napi::TypedArray>();
  if (sendAny.TypedArrayType() != napi_float64_array || recvAny.TypedArrayType() != napi_float64_array) {
    return Fail(env, "startAllreduce needs Float64Arrays");
  }
  Napi::Float64Array send = info[0].As<Napi::Float64Array>();
  Napi::Float64Array recv = info[1].As<Napi::Float64Array>();
  if (send.ElementLength() != recv.ElementLength()) return Fail(env, "send and recv differ in length");
  if (send.ElementLength() > static_cast<size_t>(INT32_MAX)) return Fail(env, "array too long for MPI");
  static const MPI_Op ops[] = {MPI_SUM, MPI_MAX, MPI_MIN};
  int op = info[2].As<Napi::Number>().Int32Value();
  if (op < 0 || op > 2) return Fail(env, "op must be 0 (sum), 1 (max) or 2 (min)");
  int rc = MPI_Iallreduce(send.Data(), recv.Data(), static_cast<int>(send.ElementLength()), MPI_DOUBLE, ops[op],
                          MPI_COMM_WORLD, &pending.request);
  if (rc != MPI_SUCCESS) return Fail(env, MpiError("MPI_Iallreduce", rc));
  pending.send = Napi::Persistent(send);
  pending.recv = Napi::Persistent(recv);
  pending.active = true;
  return env.Undefined();
}

// startBarrier(): begins MPI_Ibarrier.
Napi::Value StartBarrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!RequireIdle(env)) return env.Undefined();
  int rc = MPI_Ibarrier(MPI_COMM_WORLD, &pending.request);
  if (rc != MPI_SUCCESS) return Fail(env, MpiError("MPI_Ibarrier", rc));
  pending.active = true;
  return env.Undefined();
}

// test() → whether the collective in flight has completed (true also when none is in flight).
// Each call also lets MPI progress the collective.
Napi::Value Test(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!pending.active) return Napi::Boolean::New(env, true);
  int done = 0;
  int rc = MPI_Test(&pending.request, &done, MPI_STATUS_IGNORE);
  if (rc != MPI_SUCCESS) {
    pending.active = false;
    pending.send.Reset();
    pending.recv.Reset();
    return Fail(env, MpiError("MPI_Test", rc));
  }
  if (!done) return Napi::Boolean::New(env, false);
  pending.active = false;
  pending.send.Reset();
  pending.recv.Reset();
  return Napi::Boolean::New(env, true);
}

// abort(code): ends every rank of the job (MPI_Abort); does not return.
Napi::Value Abort(const Napi::CallbackInfo& info) {
  int code = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  if (IsInitialized() && !IsFinalized()) MPI_Abort(MPI_COMM_WORLD, code);
  return info.Env().Undefined();
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsInitialized() || IsFinalized()) return env.Undefined();
  if (pending.active) return Fail(env, "cannot finalize while a collective is in flight");
  int rc = MPI_Finalize();
  if (rc != MPI_SUCCESS) return Fail(env, MpiError("MPI_Finalize", rc));
  return env.Undefined();
}

Napi::Value Initialized(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), IsInitialized() && !IsFinalized());
}

Napi::Value LibraryVersion(const Napi::CallbackInfo& info) {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);
  std::string version(text, static_cast<size_t>(length));
  // Only the first line: OpenMPI appends its repository and release date.
  size_t eol = version.find_first_of("\r\n,");
  return Napi::String::New(info.Env(), eol == std::string::npos ? version : version.substr(0, eol));
}

Napi::Object Module(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("rank", Napi::Function::New(env, Rank));
  exports.Set("size", Napi::Function::New(env, Size));
  exports.Set("startAllreduce", Napi::Function::New(env, StartAllreduce));
  exports.Set("startBarrier", Napi::Function::New(env, StartBarrier));
  exports.Set("test", Napi::Function::New(env, Test));
  exports.Set("abort", Napi::Function::New(env, Abort));
  exports.Set("finalize", Napi::Function::New(env, Finalize));
  exports.Set("initialized", Napi::Function::New(env, Initialized));
  exports.Set("libraryVersion", Napi::Function::New(env, LibraryVersion));
  return exports;
}

}  // namespace

NODE_API_MODULE(dd_mpi, Module)
