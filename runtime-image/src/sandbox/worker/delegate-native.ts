/**
 * Gives a stand-in class (LightResponse, LazyRequest) every member of the native
 * class it stands for that it doesn't define itself: getters and methods run on the
 * native object, made on first need by `toNative`.
 */
export function delegateToNative<T extends object>(
  standIn: { prototype: T },
  native: { prototype: object },
  toNative: (standIn: T) => object,
): void {
  const own = new Set(Object.getOwnPropertyNames(standIn.prototype));
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(native.prototype))) {
    if (own.has(name)) continue;
    if (descriptor.get) {
      Object.defineProperty(standIn.prototype, name, {
        configurable: true,
        enumerable: descriptor.enumerable ?? false,
        get(this: T) {
          return Reflect.get(native.prototype, name, toNative(this));
        },
      });
    } else if (typeof descriptor.value === 'function') {
      const method = descriptor.value as (...args: unknown[]) => unknown;
      Object.defineProperty(standIn.prototype, name, {
        configurable: true,
        writable: true,
        enumerable: descriptor.enumerable ?? false,
        value(this: T, ...args: unknown[]) {
          return method.apply(toNative(this), args);
        },
      });
    }
  }
  // instanceof the native class holds for the stand-in.
  Object.setPrototypeOf(standIn.prototype, native.prototype);
}
