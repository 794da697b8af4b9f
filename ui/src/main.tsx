// The dashboard's entry: styles and the shell, rendered into #app.
import { render } from 'preact';
import { AppShell } from './shell/app-shell.js';
import './styles.css';

render(<AppShell />, document.getElementById('app')!);
