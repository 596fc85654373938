/**
 * The models' patterns are java.util.regex patterns, applied by AWS to the
 * whole value (Matcher.matches: `x:latest` fails `[\.\-_/#A-Za-z0-9]+`
 * although `x` matches it). This translates one into a JavaScript RegExp with
 * the same meaning, anchored at both ends, in `u` mode (so `\p{L}` means what
 * Java's does and a supplementary character is one character, as in Java).
 *
 * Where the two dialects differ:
 * - `\s` is ASCII whitespace in Java ([ \t\n\x0B\f\r]); JavaScript's also takes
 *   U+00A0, U+FEFF and the Unicode spaces. `\w`, `\d` are ASCII in both.
 * - `.` excludes U+0085 in Java as well as \n, \r, U+2028, U+2029.
 * - Java lets any non-letter be escaped (`\_`, `\/`); `u` mode allows only
 *   syntax characters, so the rest lose their backslash.
 * - Java reads `-` after a class escape (`[\w-_]`) as a literal; `u` mode
 *   rejects it, so it is escaped.
 * Constructs with no faithful translation (intersections `&&`, nested
 * classes, possessive quantifiers, `\p{Alpha}`-style POSIX names) throw, so a
 * model that starts using one fails the tests instead of validating wrongly.
 */

const JAVA_SPACE = " \\t\\n\\x0B\\f\\r";
const JAVA_DOT = "[^\\n\\r\\u0085\\u2028\\u2029]";
/** Characters that keep their backslash in `u` mode. */
const SYNTAX = new Set("^$\\.*+?()[]{}|/-".split(""));
/** Unicode general categories and scripts both dialects spell alike. */
const PROPERTY = /^(?:L|Lu|Ll|Lt|Lm|Lo|M|Mn|Mc|Me|N|Nd|Nl|No|P|Pc|Pd|Ps|Pe|Pi|Pf|Po|S|Sm|Sc|Sk|So|Z|Zs|Zl|Zp|C|Cc|Cf|Co|Cn)$/;

export class UntranslatablePattern extends Error {}

/** The JavaScript source of a Java pattern, unanchored. */
export function translateJavaRegex(java: string): string {
  let out = "";
  let inClass = false;
  let classStart = false;
  // After a class escape inside a class, a `-` is a literal to Java.
  let afterClassEscape = false;
  for (let i = 0; i < java.length; i++) {
    const c = java[i];
    const fresh = classStart;
    classStart = false;
    if (c === "\\") {
      const e = java[++i];
      if (e === undefined) throw new UntranslatablePattern(`trailing backslash in ${java}`);
      let piece: string;
      let classEscape = false;
      if (e === "s") {
        piece = inClass ? JAVA_SPACE : `[${JAVA_SPACE}]`;
        classEscape = true;
      } else if (e === "S") {
        if (inClass) throw new UntranslatablePattern(`\\S inside a class in ${java}`);
        piece = `[^${JAVA_SPACE}]`;
      } else if (e === "w" || e === "W" || e === "d" || e === "D") {
        piece = `\\${e}`;
        classEscape = true;
      } else if (e === "p" || e === "P") {
        const m = /^\{(?:Is|general_category=|gc=)?([A-Za-z_]+)\}/.exec(java.slice(i + 1));
        const name = m?.[1] ?? java[i + 1];
        if (!name || !PROPERTY.test(name)) throw new UntranslatablePattern(`\\${e}${m ? m[0] : java[i + 1]} in ${java}`);
        piece = `\\${e}{${name}}`;
        i += m ? m[0].length : 1;
        classEscape = true;
      } else if (e === "x") {
        if (java[i + 1] === "{") throw new UntranslatablePattern(`\\x{…} in ${java}`);
        piece = `\\x${java.slice(i + 1, i + 3)}`;
        i += 2;
      } else if (e === "u") {
        piece = `\\u${java.slice(i + 1, i + 5)}`;
        i += 4;
      } else if ("tnrfae0123456789".includes(e)) {
        if (e === "a") piece = "\\x07";
        else if (e === "e") piece = "\\x1B";
        else if (e === "0") {
          const m = /^[0-7]{1,3}/.exec(java.slice(i + 1));
          if (!m) throw new UntranslatablePattern(`\\0 in ${java}`);
          piece = `\\x${parseInt(m[0], 8).toString(16).padStart(2, "0")}`;
          i += m[0].length;
        } else if (/[1-9]/.test(e)) {
          if (inClass) throw new UntranslatablePattern(`back reference in a class in ${java}`);
          piece = `\\${e}`;
        } else piece = `\\${e}`;
      } else if (e === "b" || e === "B") {
        if (inClass) throw new UntranslatablePattern(`\\${e} in a class in ${java}`);
        piece = `\\${e}`;
      } else if (e === "A") piece = "^";
      else if (e === "z") piece = "$";
      else if (e === "Q") {
        const end = java.indexOf("\\E", i + 1);
        const literal = java.slice(i + 1, end < 0 ? undefined : end);
        piece = literal.replace(/[\^$\\.*+?()[\]{}|/-]/g, "\\$&");
        i = end < 0 ? java.length : end + 1;
      } else if (/[A-Za-z]/.test(e)) {
        throw new UntranslatablePattern(`\\${e} in ${java}`);
      } else {
        piece = SYNTAX.has(e) ? `\\${e}` : e;
      }
      out += piece;
      afterClassEscape = inClass && classEscape;
      continue;
    }
    if (inClass) {
      if (c === "[") throw new UntranslatablePattern(`nested class in ${java}`);
      if (c === "&" && java[i + 1] === "&") throw new UntranslatablePattern(`class intersection in ${java}`);
      if (c === "]" && !fresh) {
        inClass = false;
        out += c;
      } else if (c === "]") {
        out += "\\]"; // `[]…]`: Java takes a leading ] literally
      } else if (c === "-" && afterClassEscape) {
        out += "\\-";
      } else if (c === "-" && java[i + 1] !== "]" && !fresh && isClassEscapeNext(java, i + 1)) {
        out += "\\-"; // `[a-\w]`: a literal - in Java
      } else out += c;
      afterClassEscape = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      classStart = true;
      out += c;
      if (java[i + 1] === "^") {
        out += "^";
        i++;
        classStart = true;
      }
      continue;
    }
    if ((c === "+" || c === "?" || c === "*" || c === "}") && java[i + 1] === "+") {
      throw new UntranslatablePattern(`possessive quantifier in ${java}`);
    }
    if (c === "(" && java[i + 1] === "?" && java[i + 2] !== ":" && java[i + 2] !== "=" && java[i + 2] !== "!") {
      if (!(java[i + 2] === "<" && (java[i + 3] === "=" || java[i + 3] === "!"))) {
        throw new UntranslatablePattern(`group construct in ${java}`);
      }
    }
    out += c === "." ? JAVA_DOT : c;
  }
  if (inClass) throw new UntranslatablePattern(`unclosed class in ${java}`);
  return out;
}

const isClassEscapeNext = (java: string, i: number) => java[i] === "\\" && "wWdDsSpP".includes(java[i + 1] ?? "");

/** A RegExp that tests whether the whole value matches the Java pattern. */
export function wholeValueRegex(java: string): RegExp {
  return new RegExp(`^(?:${translateJavaRegex(java)})$`, "u");
}
