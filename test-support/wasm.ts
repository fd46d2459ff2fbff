/**
 * A minimal WebAssembly module, assembled by hand: one exported function
 * `add(i32, i32) -> i32`, and a one-page memory with `load(i32) -> i32`, so
 * tests can check that V8 still compiles and runs wasm (its code space carries
 * V8's own protection key) and that its out-of-bounds trap still works.
 */
export const ADD_AND_LOAD_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x0c, 0x02, // type section: 2 types
  0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // (i32, i32) -> i32
  0x60, 0x01, 0x7f, 0x01, 0x7f, // (i32) -> i32
  0x03, 0x03, 0x02, 0x00, 0x01, // function section: func 0 type 0, func 1 type 1
  0x05, 0x03, 0x01, 0x00, 0x01, // memory section: one memory, min 1 page
  0x07, 0x0e, 0x02, // export section: 2 exports
  0x03, 0x61, 0x64, 0x64, 0x00, 0x00, // "add" func 0
  0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x01, // "load" func 1
  0x0a, 0x11, 0x02, // code section: 2 bodies
  0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, // local.get 0, local.get 1, i32.add, end
  0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b, // local.get 0, i32.load align=2 offset=0, end
]);

/** The source of that module as a JS expression, for code run in child processes. */
export const ADD_AND_LOAD_WASM_SOURCE = `new Uint8Array([${Array.from(ADD_AND_LOAD_WASM).join(',')}])`;

interface AddAndLoad {
  add(a: number, b: number): number;
  load(address: number): number;
}

/** Compiles and instantiates the module synchronously (V8 writes its code space to do so). */
export function instantiateAddAndLoad(): AddAndLoad {
  const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: AddAndLoad } } }).WebAssembly;
  return new wasm.Instance(new wasm.Module(ADD_AND_LOAD_WASM)).exports;
}
