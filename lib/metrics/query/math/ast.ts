/** The syntax tree of a metric math expression, as parser.ts builds it. */

interface NodeBase {
  /** 0-based offset of the node's first character in the expression text. */
  start: number;
  /** 0-based offset just past the node's last character. */
  end: number;
  /** The node's source text, text.slice(start, end). */
  text: string;
}

export type BinaryOp = "+" | "-" | "*" | "/" | "^" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "AND" | "OR";

export type Expr =
  | (NodeBase & { kind: "number"; value: number })
  | (NodeBase & { kind: "string"; value: string })
  | (NodeBase & { kind: "id"; name: string })
  | (NodeBase & { kind: "keyword"; name: string })
  | (NodeBase & { kind: "call"; name: string; args: Expr[] })
  | (NodeBase & { kind: "array"; items: Expr[] })
  | (NodeBase & { kind: "unary"; op: "-" | "NOT"; operand: Expr })
  | (NodeBase & { kind: "binary"; op: BinaryOp; left: Expr; right: Expr; opStart: number });
