/**
 * A number as CloudWatch's messages print it: Java's NumberFormat for en-US
 * (`#,##0.###`, half-even), over the shortest digits that read back as the
 * double. AWS's own answers, recorded by Netflix/servo's CloudWatchValueTest:
 * `The value 4,697,085,165,547,666,500,000,… for parameter MetricData.member.1.Value
 * is invalid.` for 2^361, `∞` and `-∞` for the infinities, `0` for 4.9e-324 and
 * `-0` for -2.1e-109; NaN prints as `NaN` (sj26/sidekiq-cloudwatchmetrics#16).
 */
export function javaNumberText(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  if (!Number.isFinite(x)) return `${sign}∞`;
  const [mantissa, exponent] = Math.abs(x).toExponential().split("e");
  const digits = BigInt(mantissa.replace(".", ""));
  // x = digits × 10^shift, and thousandths = x × 1000 rounded half-even.
  const shift = Number(exponent) - (mantissa.length - (mantissa.includes(".") ? 2 : 1)) + 3;
  let thousandths: bigint;
  if (shift >= 0) thousandths = digits * 10n ** BigInt(shift);
  else {
    const divisor = 10n ** BigInt(-shift);
    thousandths = digits / divisor;
    const twice = 2n * (digits % divisor);
    if (twice > divisor || (twice === divisor && thousandths % 2n === 1n)) thousandths += 1n;
  }
  const whole = (thousandths / 1000n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = (thousandths % 1000n).toString().padStart(3, "0").replace(/0+$/, "");
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}
