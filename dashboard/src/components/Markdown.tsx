import { memo } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import './markdown.css';

/**
 * Markdown rendered safely for untrusted text (prompts, model output): no raw HTML is ever injected — HTML in
 * the text is shown literally — link targets go through react-markdown's URL filter (no `javascript:`), and
 * images are shown as links so a message cannot load remote content into the page.
 */

interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
}

/** remark plugin: raw HTML nodes become plain text nodes (shown as typed, never parsed as HTML). */
function htmlAsText() {
  const walk = (node: MdNode) => {
    if (!node.children) return;
    for (const child of node.children) {
      if (child.type === 'html') child.type = 'text';
      else walk(child);
    }
  };
  return (tree: MdNode) => walk(tree);
}

const components: Components = {
  // A link whose target the URL filter removed (e.g. `javascript:`) is shown as plain text.
  a: ({ href, children }) =>
    href ? (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    ) : (
      <span className="markdown-dropped-link">{children}</span>
    ),
  img: ({ src, alt }) => (
    <a href={typeof src === 'string' ? src : undefined} target="_blank" rel="noopener noreferrer nofollow">
      [image{alt ? `: ${alt}` : ''}]
    </a>
  ),
};

const plugins = [htmlAsText];

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={plugins} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
