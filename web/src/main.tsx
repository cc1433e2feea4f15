import { render } from 'preact';
import { Client } from './client';
import { App } from './ui/App';
import { applyTheme, savedTheme } from './ui/theme';
import './styles.css';

applyTheme(savedTheme());
const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
const client = new Client(`${scheme}://${location.host}/v1/ws`);
client.resume();
render(<App client={client} />, document.getElementById('app')!);
