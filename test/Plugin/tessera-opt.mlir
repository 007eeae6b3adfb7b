// tessera-opt --load-pass-plugin loads a Tessera plugin before the command
// line is parsed: its passes are listed in --help and run by name.
// RUN: tessera-opt --load-pass-plugin=%tessera_obj_root/test/Plugin/lib/HookRecorder.so --help | FileCheck %s --check-prefix=HELP
// HELP: --test-plugin-mark {{.*}}Marks the module (the hook-recorder test plugin)

// RUN: tessera-opt --load-pass-plugin %tessera_obj_root/test/Plugin/lib/HookRecorder.so --test-plugin-mark %s | FileCheck %s
// CHECK: module attributes {hook_recorder.marked}

// The plugin's dialect is registered: its (unknown) ops parse.
// RUN: echo '"hook_recorder.anything"() : () -> ()' > %t.dialect.mlir
// RUN: tessera-opt --load-pass-plugin=%tessera_obj_root/test/Plugin/lib/HookRecorder.so %t.dialect.mlir | FileCheck %s --check-prefix=DIALECT
// DIALECT: "hook_recorder.anything"() : () -> ()
// RUN: not tessera-opt %t.dialect.mlir 2>&1 | FileCheck %s --check-prefix=NODIALECT
// NODIALECT: unregistered dialect

// Without the plugin the pass is unknown: tessera-opt fails and prints its
// error.
// RUN: not tessera-opt --test-plugin-mark %s 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: Unknown command line argument{{.*}}test-plugin-mark
// UNKNOWN-NOT: hook_recorder.marked

module {
}
