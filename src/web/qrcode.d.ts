// The one function of `qrcode` the enrolment page uses (the package ships no types; this avoids a types package).
declare module 'qrcode' {
  export function toString(text: string, options: { type: 'svg'; margin?: number; errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' }): Promise<string>;
}
